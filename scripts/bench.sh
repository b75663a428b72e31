#!/usr/bin/env bash
# Runs every benchmark (release build, against the local stack) and
# rewrites the figures in BENCHMARKS.md between its `<!-- bench:NAME -->`
# and `<!-- /bench -->` markers; each section's raw output is also kept in
# target/bench/NAME.md.
#   bash scripts/bench.sh                          # reminder pass over 10,000 invoices, and the rest
#   BENCH_INVOICES="10000 100000" bash scripts/bench.sh
#   BENCH_ARM64=1 bash scripts/bench.sh            # also rebuilds the arm64 bootstraps (scripts/sam-build.sh) for their sizes
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/local-env.sh
out=target/bench
mkdir -p "$out"
functions=(issue-invoice grant-credit customer-links dispatch-survey send-reminders ses-feedback)
echo "== building (release)" >&2
cargo build --release --locked -q -p relance-e2e \
  --bin bench-reminders --bin bench-pages --bin bench-issue --bin bench-coldstart --bin bench-bank --bin bench-console
cargo build --release --locked -q $(printf -- '-p %s ' "${functions[@]}")
trap 'scripts/stack.sh stop >/dev/null' EXIT
# Each measure starts on a fresh stack: DynamoDB Local (in memory) slows
# down once it holds a big benchmark's tables, and the SES endpoint as its
# mailbox grows.
fresh() { scripts/stack.sh stop >/dev/null 2>&1 || true; scripts/stack.sh start >/dev/null; }
# BENCH_ONLY="render coldstart" runs only those sections (process,
# reminders, history, issue, bank, pages, console, coldstart, render, documents, deps).
want() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }
stamp() { echo "_$(date -u +%F), $(nproc) cores, \`$*\`_"; echo; }

# The real send-reminders binary on 1,000 due invoices: its own peak
# memory and CPU (the in-process benchmark also holds the portfolio it
# loads).
if want process; then
echo "== send-reminders, 1,000 reminders" >&2
fresh
table=$(BENCH_LOAD_ONLY=1 target/release/bench-reminders 1000 1 2>/dev/null)
curl -s -X POST "$AWS_ENDPOINT_URL_SESV2/clear-store" >/dev/null
RELANCE_TABLE="$table" RELANCE_SENDER="Atelier Durand <factures@atelier-durand.fr>" \
RELANCE_PUBLIC_URL="https://pay.example.fr" RELANCE_SES_MAX_PER_SECOND=10000 RUST_LOG=warn \
  /usr/bin/time -f "%M %U %S %e" -o "$out/time.txt" target/release/send-reminders 2026-04-03 > "$out/pass.json"
python3 - "$out" > "$out/process.md" <<'PY'
import json, sys
out = sys.argv[1]
rss_kb, user, system, wall = open(f"{out}/time.txt").read().split()[-4:]
sent = json.load(open(f"{out}/pass.json"))["emails_sent"]
cpu_ms = (float(user) + float(system)) * 1000
print(f"| measure (the `send-reminders` binary, one pass, {sent} reminders) | value |")
print("|---|---|")
print(f"| peak memory (max RSS) | {int(rss_kb) / 1024:.1f} MB |")
print(f"| CPU per reminder (user + system) | {cpu_ms / max(sent, 1):.2f} ms |")
print(f"| wall time | {float(wall):.1f} s |")
PY
{ stamp "send-reminders 2026-04-03 (1,000 due invoices)"; cat "$out/process.md"; } > "$out/process-1000.md"

fi

# The reminder pass, in-process with a metered DynamoDB client.
if want reminders; then
for n in ${BENCH_INVOICES:-10000}; do
  echo "== reminder pass, $n invoices" >&2
  fresh
  { stamp "bench-reminders $n 1"; target/release/bench-reminders "$n" 1; } > "$out/reminders-$n.md"
done

fi

# What a customer's past costs the pass: the facts behind the tone are
# read from the history, whole.
if want history; then
echo "== reminder pass and the length of the history" >&2
{
  stamp "bench-reminders 2000 1 MONTHS"
  echo "| past months per customer (4 events each) | read units per reminder | write units per reminder | DynamoDB requests per reminder | CPU per reminder |"
  echo "|---|---|---|---|---|"
  for months in 0 12 24; do
    fresh
    target/release/bench-reminders 2000 1 "$months" > "$out/history-$months.txt"
    value() { awk -F'|' -v k="$1" 'index($2, k) == 2 { gsub(/ /, "", $3); print $3 }' "$out/history-$months.txt"; }
    echo "| $months | $(value "read units") | $(value "write units") | $(value "DynamoDB requests") | $(value "CPU per reminder") |"
  done
} > "$out/history.md"
fi

if want issue; then
echo "== invoice issuance" >&2
fresh
{ stamp "bench-issue 1000 8"; target/release/bench-issue 1000 8; } > "$out/issue.md"
fi

if want bank; then
echo "== bank statement import" >&2
fresh
{ stamp "bench-bank ${BENCH_BANK_ENTRIES:-10000} 2000"; target/release/bench-bank "${BENCH_BANK_ENTRIES:-10000}" 2000; } > "$out/bank.md"
fi

if want pages; then
echo "== customer pages" >&2
fresh
{ stamp "bench-pages ${BENCH_PAGE_VISITS:-300}"; target/release/bench-pages "${BENCH_PAGE_VISITS:-300}"; } > "$out/pages.md"
fi

if want console; then
echo "== finance console" >&2
fresh
console="${BENCH_CONSOLE_CUSTOMERS:-10000} 10 ${BENCH_CONSOLE_VISITS:-5}"
{ stamp "bench-console $console"; target/release/bench-console $console; } > "$out/console.md"
fi

if want coldstart; then
echo "== cold starts" >&2
fresh
{ stamp "bench-coldstart 10"; target/release/bench-coldstart 10; } > "$out/coldstart.md"

fi

if want render; then
echo "== template rendering (criterion)" >&2
cargo bench --locked -q -p relance --bench render 2>/dev/null > "$out/render.txt"
python3 - "$out/render.txt" > "$out/render-table.md" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
units = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1}
print("| template (subject + HTML + text) | time per render (median) | renders per second, one core |")
print("|---|---|---|")
for name, mid, unit in re.findall(r"render/(.+?)\s*\n?\s*time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", text):
    seconds = float(mid) * units[unit]
    print(f"| {name.strip()} | {mid} {unit} | {1 / seconds:,.0f} |")
parses = re.findall(r"parse/(.+?)\s*\n?\s*time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", text)
if parses:
    print("\n| templates parsed at start-up (`render::startup`) | time (median) |")
    print("|---|---|")
    for name, mid, unit in parses:
        print(f"| {name.strip()} | {mid} {unit} |")
PY
{ stamp "cargo bench -p relance --bench render"; cat "$out/render-table.md"; } > "$out/render.md"

fi

if want documents; then
echo "== document rendering (criterion)" >&2
cargo bench --locked -q -p relance-documents --bench documents 2>/dev/null > "$out/documents.txt"
python3 - "$out/documents.txt" > "$out/documents-table.md" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
units = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1}
print("| document of one invoice | time per render (median) | renders per second, one core |")
print("|---|---|---|")
for name, mid, unit in re.findall(r"documents/(.+?)\s*\n?\s*time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", text):
    seconds = float(mid) * units[unit]
    print(f"| {name.strip()} | {mid} {unit} | {1 / seconds:,.0f} |")
PY
{ stamp "cargo bench -p relance-documents --bench documents"; cat "$out/documents-table.md"; } > "$out/documents.md"

fi

if want deps; then
echo "== dependencies" >&2
{
  stamp "cargo tree -d -e normal --target aarch64-unknown-linux-gnu -p FUNCTION"
  echo "| function | TLS / HTTP client crates | duplicated crates (two versions) |"
  echo "|---|---|---|"
  for f in "${functions[@]}"; do
    stacks=$(cargo tree -e normal -p "$f" --target aarch64-unknown-linux-gnu --prefix none 2>/dev/null \
      | grep -E '^(rustls|native-tls|openssl|hyper|hyper-rustls|hyper-tls|reqwest|isahc|ureq) ' \
      | sed 's/ (\*)//' | sort -u | tr '\n' ',' | sed 's/,$//; s/,/, /g')
    dups=$(cargo tree -d -e normal -p "$f" --target aarch64-unknown-linux-gnu 2>/dev/null \
      | grep -E '^[a-z]' | sed 's/ (\*)//; s/ (.*//' | sort -u | tr '\n' ',' | sed 's/,$//; s/,/, /g')
    echo "| \`$f\` | $stacks | ${dups:-none} |"
  done
} > "$out/deps.md"

fi

if [ -n "${BENCH_ARM64:-}" ]; then
  echo "== arm64 bootstraps (sam build)" >&2
  bash scripts/sam-build.sh > "$out/sam-build.txt"
  python3 - "$out/sam-build.txt" > "$out/binaries-table.md" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip().endswith("MB") and not l.startswith("function")]
print("| function | architecture | bootstrap (stripped) | zipped |")
print("|---|---|---|---|")
for name, arch, size, _, zipped, _ in rows:
    print(f"| {name} | {arch} | {size} MB | {zipped} MB |")
PY
  { stamp "scripts/sam-build.sh"; cat "$out/binaries-table.md"; } > "$out/binaries.md"
fi

python3 - "$out" <<'PY'
import os, re, sys
out = sys.argv[1]
doc = open("BENCHMARKS.md").read()
for name in sorted(os.listdir(out)):
    if not name.endswith(".md"):
        continue
    section = name[:-3]
    pattern = re.compile(rf"(<!-- bench:{re.escape(section)} -->\n).*?(<!-- /bench -->)", re.S)
    body = open(os.path.join(out, name)).read().rstrip() + "\n"
    doc, count = pattern.subn(lambda m: m.group(1) + body + m.group(2), doc)
    if count:
        print(f"BENCHMARKS.md: {section} rewritten", file=sys.stderr)
open("BENCHMARKS.md", "w").write(doc)
PY
