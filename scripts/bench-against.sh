#!/usr/bin/env bash
# Compares the reminder pass and invoice issuance of this tree with those
# of another commit, in one run on one machine: both are built in release
# (the other in a worktree under target/, with its own target directory),
# then measured alternately, each on a fresh local stack.
#   bash scripts/bench-against.sh 1df50f0            # 10,000 due invoices, 1,000 invoices issued by 8 clients, then archived and emailed
#   BENCH_ROUNDS=2 bash scripts/bench-against.sh 1df50f0
# Prints one markdown table per round; nothing is rewritten.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rev="${1:?usage: scripts/bench-against.sh COMMIT}"
. scripts/local-env.sh
other="$root/target/bench-against/$rev"
if [ ! -d "$other" ]; then
  git worktree add -q --detach "$other" "$rev"
fi
echo "== building this tree and $rev (release)" >&2
cargo build --release --locked -q -p relance-e2e --bin bench-reminders --bin bench-issue
(cd "$other" && cargo build --release --locked -q -p relance-e2e --bin bench-reminders --bin bench-issue)
trap 'scripts/stack.sh stop >/dev/null' EXIT
fresh() { scripts/stack.sh stop >/dev/null 2>&1 || true; scripts/stack.sh start >/dev/null; }
# One figure out of a benchmark's markdown table: the row whose first cell
# starts with $1.
value() { awk -F'|' -v k="$1" 'index($2, " " k) == 1 { gsub(/^ +| +$/, "", $3); print $3; exit }'; }
for round in $(seq "${BENCH_ROUNDS:-1}"); do
  declare -A pass cpu reads issue p99 icpu archive mailed whole
  for side in this "$rev"; do
    bin="$root/target/release"
    [ "$side" = this ] || bin="$other/target/release"
    fresh
    out=$("$bin/bench-reminders" 10000 1)
    pass[$side]=$(value "reminders per second" <<<"$out")
    cpu[$side]=$(value "CPU per reminder" <<<"$out")
    reads[$side]=$(value "read units per reminder" <<<"$out")
    fresh
    out=$("$bin/bench-issue" 1000 8)
    # "invoices issued": before the archive, the row read "… and emailed".
    issue[$side]=$(value "invoices issued" <<<"$out")
    p99[$side]=$(value "latency p50 / p99" <<<"$out")
    icpu[$side]=$(value "CPU per invoice (whole process" <<<"$out")
    # The stream steps after issuance, where the tree has them.
    archive[$side]=$(value "archive (render PDF, CII, UBL; store each): invoices per second" <<<"$out")
    mailed[$side]=$(value "document emails (read back, attach, send): invoices per second" <<<"$out")
    whole[$side]=$(value "issued → emailed with its documents" <<<"$out")
  done
  echo "_round $round, $(date -u +%F), $(nproc) cores_"
  echo
  echo "| measure | this tree | $rev |"
  echo "|---|---|---|"
  echo "| reminder pass, 10,000 due invoices: reminders per second | ${pass[this]} | ${pass[$rev]} |"
  echo "| reminder pass: CPU per reminder | ${cpu[this]} | ${cpu[$rev]} |"
  echo "| reminder pass: read units per reminder | ${reads[this]} | ${reads[$rev]} |"
  echo "| issuance, 8 clients: invoices per second, request → 201 (before the archive, the email was sent before the answer) | ${issue[this]} | ${issue[$rev]} |"
  echo "| issuance: CPU per invoice | ${icpu[this]} | ${icpu[$rev]} |"
  echo "| issuance: latency p50 / p99 | ${p99[this]} | ${p99[$rev]} |"
  echo "| archive step, one shard: invoices per second | ${archive[this]:-—} | ${archive[$rev]:-—} |"
  echo "| document emails step, one shard: invoices per second | ${mailed[this]:-—} | ${mailed[$rev]:-—} |"
  echo "| issued → emailed with its documents: CPU per invoice | ${whole[this]:-—} | ${whole[$rev]:-—} |"
  echo
done
