#!/usr/bin/env bash
# The webhook outbox's cost and speed: socialchat-proxy serve answering connects (POST
# …/partner/channel/instagram) from a fast local upstream, without a webhook and with one whose
# events are written to a SQLite outbox before each answer; and how fast the outbox delivers to
# a backend that is up. Load from a second process (oha), loopback only, bounded in time. Prints
# one line per figure and a PASS/FAIL line for the budget: the connect answer's p99 with the
# SQLite outbox within 2 ms of the same proxy's without it. Needs: oha, nginx and
# target/release/socialchat-proxy.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-10s}
RATE=${BENCH_CONNECT_RATE:-100}
UPSTREAM=127.0.0.1:18811
PLAIN=127.0.0.1:18812
OUTBOXED=127.0.0.1:18813
METRICS=127.0.0.1:18814
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# The upstream answers every connect with a channel; the partner's backend answers 204 and
# logs one line per delivery.
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen $UPSTREAM;
    location /partner/channel/instagram {
      default_type application/json;
      return 201 '{"_id":"65a0b1c2d3e4f5a6b7c8d9e0","name":"Toko Batik Sari","channelId":"17841400000000001","channelType":"instagram","isConnected":true}';
    }
    location /hooks/socialchat {
      access_log $work/hooks.log;
      return 204;
    }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" &
pids+=("$!")
export SOCIALCHAT_SESSION_SECRET=bench-session-secret-of-at-least-32-bytes
export SOCIALCHAT_WEBHOOK_SECRET=whsec_YmVuY2gtd2ViaG9vay1zZWNyZXQtb2YtMzItYnl0ZXM=
session=$(target/release/socialchat-proxy mint-session --sub bench-user --kinds instagram --ttl-secs 3600)
common=(--upstream "http://$UPSTREAM" --connects-per-minute 0 --calls-per-minute 0 --calls-per-minute-per-address 0)
SOCIALCHAT_API_KEY=benchkey target/release/socialchat-proxy serve --listen "$PLAIN" "${common[@]}" \
  >"$work/plain.out" 2>"$work/plain.log" &
pids+=("$!")
SOCIALCHAT_API_KEY=benchkey target/release/socialchat-proxy serve --listen "$OUTBOXED" "${common[@]}" \
  --webhook-url "http://$UPSTREAM/hooks/socialchat" --outbox "sqlite:$work/outbox.sqlite3" \
  --metrics-listen "$METRICS" >"$work/outboxed.out" 2>"$work/outboxed.log" &
pids+=("$!")
for addr in $UPSTREAM $PLAIN $OUTBOXED $METRICS; do
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null && break; sleep 0.1; done
done

body='{"channelId":"17841400000000001","token":"sbx_benchtoken"}'
json_flag="-j"
oha --help 2>/dev/null | grep -q -- "--output-format" && json_flag="--output-format json"
# run URL [oha args...] -> prints "rps p50_ms p99_ms success"
run() {
  local url=$1; shift
  # shellcheck disable=SC2086
  oha --no-tui $json_flag -m POST -d "$body" -H "content-type: application/json" \
    -H "Authorization: Bearer $session" "$@" "$url" >"$work/out.json" 2>"$work/oha.err" \
    || { cat "$work/oha.err" >&2; return 1; }
  python3 - "$work/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s, p = d["summary"], d["latencyPercentiles"]
print(f'{s["requestsPerSec"]:.0f} {p["p50"]*1000:.3f} {p["p99"]*1000:.3f} {s["successRate"]*100:.1f}')
PY
}
line() { printf '%-58s %s\n' "$1" "$2"; }
for addr in $PLAIN $OUTBOXED; do
  status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "$body" -H "content-type: application/json" \
    -H "Authorization: Bearer $session" "http://$addr/api/socialchat/partner/channel/instagram")
  [ "$status" = 201 ] || { echo "FAIL $addr answers a connect with HTTP $status, not 201" >&2; exit 1; }
done
delivered() {
  curl -s "http://$METRICS/metrics" | awk '/^socialchat_proxy_webhook_attempts_total\{outcome="delivered"\}/ {print $2}' | head -1
}

# Latency at a steady rate, alternating, three rounds; the budget on the medians.
ROUNDS=${BENCH_ROUNDS:-3}
declare -A p50 p99
for _ in $(seq "$ROUNDS"); do
  for target in plain outboxed; do
    addr=$PLAIN; [ "$target" = outboxed ] && addr=$OUTBOXED
    read -r _ a b _ < <(run "http://$addr/api/socialchat/partner/channel/instagram" -z "$DURATION" -q "$RATE" -c 8)
    p50[$target]+="$a "; p99[$target]+="$b "
  done
done
med() { python3 -c "import statistics, sys; print(f'{statistics.median(float(x) for x in sys.argv[2:]):.{sys.argv[1]}f}')" "$@"; }
for target in plain outboxed; do
  # shellcheck disable=SC2086
  line "connect at $RATE/s, $target (p50 / p99, medians of $ROUNDS)" "$(med 3 ${p50[$target]}) / $(med 3 ${p99[$target]}) ms"
done

# Delivery: as many connects as the proxy takes in 5 s, then the time until every event is
# delivered (the backend up).
before=$(delivered); before=${before:-0}
start=$(date +%s.%N)
read -r rps _ _ _ < <(run "http://$OUTBOXED/api/socialchat/partner/channel/instagram" -z 5s -c 16)
written=$(python3 -c "print(round($rps * 5))")
target_count=$(python3 -c "print(int($before) + $written)")
for _ in $(seq 600); do
  now=$(delivered); now=${now:-0}
  python3 -c "import sys; sys.exit(0 if float('$now') >= $target_count * 0.999 else 1)" && break
  sleep 0.1
done
end=$(date +%s.%N)
now=$(delivered); now=${now:-0}
count=$(python3 -c "print(int(float('$now')) - int($before))")
line "connects with the SQLite outbox, as fast as they come" "$rps req/s"
line "outbox delivery (backend up): events delivered / seconds" "$count / $(python3 -c "print(f'{$end - $start:.1f}')") s = $(python3 -c "print(f'{$count / ($end - $start):.0f}')") events/s"

# shellcheck disable=SC2086
over=$(python3 -c "print(f'{$(med 6 ${p99[outboxed]}) - $(med 6 ${p99[plain]}):.3f}')")
line "p99 the SQLite outbox adds to a connect" "$over ms"
python3 -c "import sys; sys.exit(0 if $over <= 2.0 else 1)" \
  && echo "PASS the connect's p99 with the SQLite outbox within 2 ms of it without ($over ms)" \
  || echo "FAIL the connect's p99 with the SQLite outbox within 2 ms of it without ($over ms)"
