#!/usr/bin/env bash
# The test command: starts the local stack (DynamoDB Local, the SES
# endpoint), runs every test against it, and stops it, pass or fail.
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -p relance`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/local-env.sh
scripts/browser.sh
scripts/validators.sh
scripts/stack.sh start
trap 'scripts/stack.sh stop' EXIT
log="$root/target/test-output.log"
mkdir -p "$root/target"
status=0
cargo test --workspace --locked --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?
# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
