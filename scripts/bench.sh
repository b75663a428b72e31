#!/usr/bin/env bash
# Benchmarks against the local stack, in release mode. Prints Markdown
# tables; BENCHMARKS.md records the figures with the machine they ran on.
#   scripts/bench.sh [INVOICES ...]     default: 10000
# then the customer pages (300 visits; BENCH_PAGE_VISITS to change).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/local-env.sh
cargo build --release --locked -q -p relance-e2e --bin bench-reminders --bin bench-pages
scripts/stack.sh start >/dev/null
trap 'scripts/stack.sh stop >/dev/null' EXIT
for n in "${@:-10000}"; do
  echo
  echo "### Reminder pass, $n invoices ($(nproc) cores, $(date -u +%F))"
  echo
  target/release/bench-reminders "$n" 1
done
echo
echo "### Customer pages, ${BENCH_PAGE_VISITS:-300} visits ($(nproc) cores, $(date -u +%F))"
echo
target/release/bench-pages "${BENCH_PAGE_VISITS:-300}"
