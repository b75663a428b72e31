#!/usr/bin/env bash
# The test command: starts the local stack (DynamoDB Local, the SES
# endpoint), runs every test against it, and stops it, pass or fail.
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -p relance`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/local-env.sh
scripts/stack.sh start
trap 'scripts/stack.sh stop' EXIT
cargo test --workspace --locked "$@"
