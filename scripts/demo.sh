#!/usr/bin/env bash
# The main job, locally: start the local AWS stack, create the table from
# the SAM template, run the finance API as a local server, register a
# customer, issue an invoice over HTTP, and show the email it sent.
#   scripts/demo.sh          run once and stop everything
#   scripts/demo.sh --keep   leave everything running to explore
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
keep=false; [ "${1:-}" = "--keep" ] && keep=true
. scripts/local-env.sh
export RELANCE_TABLE="${RELANCE_TABLE:-relance-demo}"
export RELANCE_SENDER="Atelier Durand <factures@atelier-durand.fr>"
export RELANCE_REPLY_TO="claire.fontaine@atelier-durand.fr"
export RELANCE_PUBLIC_URL="http://127.0.0.1:3001"
export RELANCE_LISTEN="127.0.0.1:${RELANCE_API_PORT:-3000}"
api="http://$RELANCE_LISTEN"
run="$root/target/local-stack"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Building relance (first run: a few minutes)"
cargo build --locked -q -p issue-invoice -p send-reminders -p customer-links -p grant-credit -p relance-e2e \
  --bin issue-invoice --bin send-reminders --bin customer-links --bin grant-credit --bin create-table

step "Starting the local AWS stack"
scripts/stack.sh start
cleanup() {
  for p in api pages credits; do
    [ -f "$run/$p.pid" ] && kill "$(cat "$run/$p.pid")" 2>/dev/null || true
    rm -f "$run/$p.pid"
  done
  scripts/stack.sh stop
}
$keep || trap cleanup EXIT

step "Creating the customer-history table from infra/template.yaml"
target/debug/create-table

step "Starting the finance API on $api"
target/debug/issue-invoice >"$run/api.log" 2>&1 &
echo $! >"$run/api.pid"
for _ in $(seq 1 80); do curl -s -o /dev/null "$api/customers/x" && break; sleep 0.25; done

step "Starting the customer pages on $RELANCE_PUBLIC_URL (the links in emails)"
RELANCE_LINKS_LISTEN="${RELANCE_PUBLIC_URL#http://}" target/debug/customer-links >"$run/pages.log" 2>&1 &
echo $! >"$run/pages.pid"
for _ in $(seq 1 80); do curl -s -o /dev/null "$RELANCE_PUBLIC_URL/assets/site.css" && break; sleep 0.25; done

credits_api="http://127.0.0.1:${RELANCE_CREDITS_PORT:-3002}"
step "Starting the goodwill-credit API on $credits_api"
RELANCE_CREDITS_LISTEN="${credits_api#http://}" target/debug/grant-credit >"$run/credits.log" 2>&1 &
echo $! >"$run/credits.pid"
for _ in $(seq 1 80); do curl -s -o /dev/null "$credits_api/credits/portfolio" && break; sleep 0.25; done

call() { # method path [body] [idempotency key]
  local args=(-s -X "$1" "$api$2" -H 'content-type: application/json' -H 'x-relance-actor: claire.fontaine')
  [ -n "${3:-}" ] && args+=(--data "$3")
  [ -n "${4:-}" ] && args+=(-H "idempotency-key: $4")
  curl "${args[@]}" -w '\n'
}
pretty() { python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), ensure_ascii=False, indent=2))'; }

step "A finance user registers Boulangerie Martin, a customer since 2016"
call PUT /customers/boulangerie-martin '{
  "contact_name": "Camille Martin", "email": "camille@boulangerie-martin.fr", "locale": "fr",
  "kind": "business", "company_name": "Boulangerie Martin SARL", "siren": "356000000", "vat_number": "FR39356000000",
  "billing_address": {"lines": ["3 place Bellecour"], "postal_code": "69002", "city": "Lyon", "country": "FR"},
  "customer_since": "2016-05-10"}' | python3 -c 'import json,sys; c=json.load(sys.stdin); print("customer %s: %s, %s" % (c["id"], c["company_name"], c["contact_name"]))'

today="$(TZ=Europe/Paris date +%F)"
past="$(TZ=Europe/Paris date -d '-40 days' +%F)"

step "Last month's invoice, which Boulangerie Martin has not paid yet"
call POST /invoices '{"customer_id": "boulangerie-martin", "currency": "EUR", "issue_date": "'"$past"'",
  "payment_terms": {"days": 30}, "category": "goods",
  "lines": [{"description": "Farine bio T65", "quantity": "250", "unit": "kg", "unit_price_minor": 180, "vat_rate": "5.5"}]}' "demo-past-$(date +%s)" | python3 -c '
import json,sys; i=json.load(sys.stdin); print("invoice %s of %s: %.2f %s, due %s" % (i["number"], i["issue_date"], i["totals"]["gross_minor"]/100, i["currency"], i["due_date"]))'

key="demo-$(date +%s)"
invoice='{"customer_id": "boulangerie-martin", "currency": "EUR", "issue_date": "'"$today"'",
  "payment_terms": {"days": 30}, "category": "services",
  "lines": [
    {"description": "Entretien du four à sole", "quantity": 1, "unit_price_minor": 45000, "vat_rate": "20"},
    {"description": "Pièces détachées", "quantity": "2.5", "unit": "kg", "unit_price_minor": 1290, "vat_rate": "20", "discount": "10"}]}'

step "Issuing an invoice (Idempotency-Key: $key)"
call POST /invoices "$invoice" "$key" | tee "$run/invoice.json" | python3 -c '
import json,sys; i=json.load(sys.stdin); t=i["totals"]
print("invoice %s: net %.2f, VAT %.2f, total %.2f %s, due %s" % (i["number"], t["net_minor"]/100, t["vat_minor"]/100, t["gross_minor"]/100, i["currency"], i["due_date"]))'

invoice_number="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["number"])' "$run/invoice.json")"

step "Sending the same request again: the first answer is replayed, nothing is created"
curl -s -o /dev/null -D - -X POST "$api/invoices" -H 'content-type: application/json' -H "idempotency-key: $key" --data "$invoice" | grep -i -E '^HTTP|idempotent-replayed'

step "The customer's history"
call GET /customers/boulangerie-martin/history | python3 -c '
import json,sys
for e in json.load(sys.stdin)["events"]: print("%s  %-18s by %s" % (e["at"][:19], e["type"], e["actor"]))'

step "The email Camille received (as read back from the SES endpoint)"
curl -s "$AWS_ENDPOINT_URL_SESV2/store" | python3 -c '
import json,sys
e=[m for m in json.load(sys.stdin)["emails"] if "camille@boulangerie-martin.fr" in str(m["destination"])][-1]
print("Subject:", e["subject"]); print(); print("\n".join(e["body"]["text"].splitlines()[:24]))'
echo "…"

# The next business day at least three days away: the contact budget keeps
# a reminder from following the invoice emails within 48 hours.
pass_day="$(python3 -c '
import datetime
d = datetime.date.fromisoformat("'"$today"'") + datetime.timedelta(days=3)
while d.weekday() >= 5: d += datetime.timedelta(days=1)
print(d)')"

step "Preview: what the reminder pass would send as of $pass_day"
call GET "/reminders/preview?as_of=$pass_day" | python3 -c '
import json,sys
for p in json.load(sys.stdin)["planned"]: print("%s: %s, stage %s, tone %s (%s)" % (p["customer_id"], ", ".join(p["invoices"]), p["stage"], p["tone"], p["reason"]))'

step "The reminder pass as of $pass_day (the scheduler runs it every business day)"
RUST_LOG=warn target/debug/send-reminders "$pass_day" | python3 -c '
import json,sys; s=json.load(sys.stdin)
print("emails sent: %d, by stage: %s, skipped: %s" % (s["emails_sent"], s["by_stage"], s["skipped"]))'

step "The reminder Camille received"
curl -s "$AWS_ENDPOINT_URL_SESV2/store" | python3 -c '
import json,sys
e=[m for m in json.load(sys.stdin)["emails"] if "camille@boulangerie-martin.fr" in str(m["destination"])][-1]
print("Subject:", e["subject"]); print(); print(e["body"]["text"])'

step "Camille opens \"I have a difficulty\" in the reminder and asks for a payment plan"
help_link="$(curl -s "$AWS_ENDPOINT_URL_SESV2/store" | python3 -c '
import json,re,sys
e=[m for m in json.load(sys.stdin)["emails"] if "camille@boulangerie-martin.fr" in str(m["destination"])][-1]
print(re.search(r"http\S+/help/\S+", e["body"]["text"]).group(0))')"
jar="$run/cookies.txt"; rm -f "$jar"
page="$(curl -s -L -c "$jar" -b "$jar" "$help_link")"
echo "$page" | python3 -c '
import re,sys; html=sys.stdin.read()
print("page:", re.search(r"<h1>(.*?)</h1>", html).group(1))
print("choices:", ", ".join(re.findall(r"<label for=\"choice-[^\"]+\">(.*?)</label>", html)))'
once="$(echo "$page" | python3 -c 'import re,sys; print(re.search(r"name=\"once\" value=\"([^\"]+)\"", sys.stdin.read()).group(1))')"
curl -s -b "$jar" -X POST "$RELANCE_PUBLIC_URL/help" \
  --data-urlencode "once=$once" --data-urlencode "choice=payment_plan" \
  --data-urlencode "comment=Trésorerie tendue ce mois-ci : en trois fois ?" \
  | python3 -c 'import re,sys; print("answer:", re.search(r"<h1>(.*?)</h1>", sys.stdin.read()).group(1))'
call GET /customers/boulangerie-martin/history | python3 -c '
import json,sys
for e in json.load(sys.stdin)["events"]:
    if e["type"] in ("help_requested", "finance_alerted"): print("%s  %-18s by %s" % (e["at"][:19], e["type"], e["actor"]))'
next_day="$(python3 -c '
import datetime
d = datetime.date.fromisoformat("'"$pass_day"'") + datetime.timedelta(days=7)
while d.weekday() >= 5: d += datetime.timedelta(days=1)
print(d)')"
call GET "/reminders/preview?as_of=$next_day" | python3 -c '
import json,sys; s=json.load(sys.stdin)
print("reminders planned as of '"$next_day"': %d; skipped: %s" % (len(s["planned"]), s["skipped"]))'

step "A billing error on $invoice_number: finance asks the policy for a gesture"
gesture='{"situation": "billing_error", "severity": "major", "invoice": "'"$invoice_number"'",
  "what_happened": "Votre facture comptait deux fois le déplacement de notre technicien.",
  "what_we_did": "Nous avons corrigé notre saisie pour que cela ne se reproduise pas."}'
credit() { curl -s -X "$1" "$credits_api$2" -H 'content-type: application/json' -H 'x-relance-actor: claire.fontaine' ${4:+-H "idempotency-key: $4"} ${3:+--data "$3"} -w '\n'; }
credit POST /customers/boulangerie-martin/credits/quote "$gesture" | python3 -c '
import json,sys; q=json.load(sys.stdin)
print("proposal: %.2f EUR net (approval needed: %s)" % (q["net_minor"]/100, q["needs_approval"]))
for r in q["reasons"]: print("  -", r)'
step "Granting it: a credit note, and an apology email"
credit POST /customers/boulangerie-martin/credits "$gesture" "demo-credit-$(date +%s)" | python3 -c '
import json,sys; c=json.load(sys.stdin)
print("credit note %s: %.2f EUR incl. VAT, corrects %s" % (c["number"], c["gross_minor"]/100, c["invoice"]))'
curl -s "$AWS_ENDPOINT_URL_SESV2/store" | python3 -c '
import json,sys
e=[m for m in json.load(sys.stdin)["emails"] if "camille@boulangerie-martin.fr" in str(m["destination"])][-1]
print("Subject:", e["subject"]); print(); print("\n".join(e["body"]["text"].splitlines()[:12]))'
echo "…"
step "The next invoice deducts the credit note"
call POST /invoices '{"customer_id": "boulangerie-martin", "currency": "EUR", "issue_date": "'"$today"'",
  "payment_terms": {"days": 30}, "category": "goods",
  "lines": [{"description": "Farine bio T65", "quantity": "100", "unit": "kg", "unit_price_minor": 180, "vat_rate": "5.5"}]}' "demo-next-$(date +%s)" | python3 -c '
import json,sys; i=json.load(sys.stdin)
print("invoice %s: total %.2f EUR" % (i["number"], i["totals"]["gross_minor"]/100))
for c in i["credits"]: print("  credit note %s deducted: -%.2f EUR" % (c["number"], c["amount_minor"]/100))'

if $keep; then
  step "Everything keeps running"
  echo "finance API:  $api   (see functions/issue-invoice/openapi.yaml)"
  echo "customer pages: $RELANCE_PUBLIC_URL   (open the links in the emails)"
  echo "credit API:   $credits_api"
  echo "mailbox page: $AWS_ENDPOINT_URL_SESV2/"
  echo "stop with:    kill \$(cat $run/api.pid) \$(cat $run/pages.pid) \$(cat $run/credits.pid); scripts/stack.sh stop"
else
  step "Done. Run scripts/demo.sh --keep to explore (mailbox page: $AWS_ENDPOINT_URL_SESV2/)"
fi
