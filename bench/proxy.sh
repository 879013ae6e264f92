#!/usr/bin/env bash
# Proxy benchmarks: socialchat-proxy serve forwarding GET …/account to a fast local upstream,
# against the upstream reached directly and against nginx configured as the book's equivalent.
# Load from a second process (oha), loopback only, bounded in time. Prints one line per figure
# and PASS/FAIL lines: the budget (p99 overhead at most 0.5 ms at 1,000 calls/s) and the floor
# (throughput at least 0.6x nginx's, reported: a connect flow is a handful of calls, and the
# proxy does work nginx does not: sessions, limits, validation, projection). Needs: oha, nginx
# and target/release/socialchat-proxy.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-10s}
RATE=${BENCH_RATE:-1000}
UPSTREAM=127.0.0.1:18801
NGINX=127.0.0.1:18802
OURS=127.0.0.1:18803
PATH_Q="/partner/channel/instagram/account?token=sbx_benchtoken&nextOffset=abc"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# The fast upstream and the book's nginx block, read from the book itself (docs/src/guide/
# deploying.md, so that it stays valid), in one nginx: its http-level lines (the upstream's
# keep-alive, the log format) and its location, pointed at the fast upstream over plain HTTP,
# logging to a file as the book does.
python3 - "$work" "$UPSTREAM" "$NGINX" >"$work/nginx.conf" <<'PY'
import re, sys
work, upstream, listen = sys.argv[1:]
readme = open("docs/src/guide/deploying.md").read()
block = re.search(r"```nginx\n(.*?)```", readme, re.S).group(1)
http, location = block.split("# server { … }", 1)
swap = {
    "server api.socialchat.id:443;": f"server {upstream};",
    "proxy_pass https://socialchat": "proxy_pass http://socialchat",
    "<your API key>": "benchkey",
    "/var/log/nginx/socialchat.log": f"{work}/socialchat.log",
}
for old, new in swap.items():
    assert old in block, f"the book's nginx block no longer holds {old!r}"
    http, location = http.replace(old, new), location.replace(old, new)
print(f"""worker_processes auto;
pid {work}/nginx.pid;
error_log {work}/error.log;
daemon off;
events {{ worker_connections 4096; }}
http {{
  access_log off;
{http}
  server {{
    listen {upstream};
    location / {{
      default_type application/json;
      return 200 '{{"docs":[{{"name":"Toko Batik Sari","channelId":"17841400000000001","picture":"https://cdn.test/p.jpg"}}],"hasNextPage":true,"nextOffset":"abc"}}';
    }}
  }}
  server {{
    listen {listen};
# server {{ … }}{location}
  }}
}}""")
PY
nginx -c "$work/nginx.conf" -p "$work" &
pids+=("$!")
# As deployed: every call carries a session the partner's backend minted (nginx has none).
export SOCIALCHAT_SESSION_SECRET=bench-session-secret-of-at-least-32-bytes
session=$(target/release/socialchat-proxy mint-session --sub bench-user --kinds instagram --ttl-secs 3600)
# The rate limits are checked on every call, as deployed, with limits the load never reaches.
SOCIALCHAT_API_KEY=benchkey target/release/socialchat-proxy serve --upstream "http://$UPSTREAM" --listen "$OURS" \
  --calls-per-minute 1000000000 --calls-per-minute-per-address 1000000000 \
  >"$work/ours.out" 2>"$work/ours.log" &
ours_pid=$!
pids+=("$ours_pid")
for addr in $UPSTREAM $NGINX $OURS; do
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null && break; sleep 0.1; done
done

json_flag="-j"
oha --help 2>/dev/null | grep -q -- "--output-format" && json_flag="--output-format json"

# run NAME URL [oha args...] -> prints "rps p50_ms p99_ms success"
run() {
  local url=$1; shift
  # shellcheck disable=SC2086
  oha --no-tui $json_flag -H "Authorization: Bearer $session" "$@" "$url" >"$work/out.json" 2>"$work/oha.err" || { cat "$work/oha.err" >&2; return 1; }
  python3 - "$work/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s, p = d["summary"], d["latencyPercentiles"]
print(f'{s["requestsPerSec"]:.0f} {p["p50"]*1000:.3f} {p["p99"]*1000:.3f} {s["successRate"]*100:.1f}')
PY
}

line() { printf '%-58s %s\n' "$1" "$2"; }
# The three are measured in turn, ROUNDS times (this machine's figures move by a fifth between
# runs of a few seconds); the budgets are judged on the medians of the per-round figures.
ROUNDS=${BENCH_ROUNDS:-3}
url_of() {
  case $1 in
    direct) echo "http://$UPSTREAM$PATH_Q" ;;
    nginx) echo "http://$NGINX/api/socialchat$PATH_Q" ;;
    ours) echo "http://$OURS/api/socialchat$PATH_Q" ;;
  esac
}
for target in direct nginx ours; do
  # oha counts any answer as a success: the route must really answer 200 first.
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $session" "$(url_of $target)")
  if [ "$status" != 200 ]; then
    echo "FAIL $target answers HTTP $status, not 200: nothing to measure" >&2
    exit 1
  fi
done
nginx_log_before=$(wc -l <"$work/socialchat.log" 2>/dev/null || echo 0)
declare -A rps p50 p99 ok
for round in $(seq "$ROUNDS"); do
  for target in direct nginx ours; do
    url=$(url_of $target)
    read -r _ a b s < <(run "$url" -z "$DURATION" -q "$RATE" -c 16)
    p50[$target]+="$a "; p99[$target]+="$b "; ok[$target]+="$s "
    read -r r _ _ s < <(run "$url" -z "$DURATION" -c 64)
    rps[$target]+="$r "; ok[$target]+="$s "
  done
done
# The median and the range of a list of numbers.
med() { python3 -c "import statistics, sys; print(f'{statistics.median(float(x) for x in sys.argv[2:]):.{sys.argv[1]}f}')" "$@"; }
span() { python3 -c "import sys; v = [float(x) for x in sys.argv[2:]]; print(f'{min(v):.{sys.argv[1]}f} to {max(v):.{sys.argv[1]}f}')" "$@"; }
for target in direct nginx ours; do
  # shellcheck disable=SC2086
  line "latency at $RATE req/s, $target (p50 / p99, medians of $ROUNDS)" "$(med 3 ${p50[$target]}) / $(med 3 ${p99[$target]}) ms (p99 $(span 3 ${p99[$target]}))"
  # shellcheck disable=SC2086
  line "throughput, 64 connections, $target (median of $ROUNDS)" "$(med 0 ${rps[$target]}) req/s ($(span 0 ${rps[$target]}))"
  # shellcheck disable=SC2086
  line "  answers that succeeded, $target" "$(python3 -c "import sys; print(min(float(x) for x in sys.argv[1:]))" ${ok[$target]}) % at worst"
done
rss=$(awk '/VmHWM/ {print $2}' "/proc/$ours_pid/status")
line "socialchat-proxy peak memory (VmHWM) over the whole run" "$((rss / 1024)) MiB"
nginx_logged=$(( $(wc -l <"$work/socialchat.log") - nginx_log_before ))
if [ "$nginx_logged" -le 0 ]; then
  echo "FAIL nginx wrote no access log line: it does not run the book's block" >&2
  exit 1
fi
# The budgets on the medians (unrounded, six decimals are more than oha gives).
# shellcheck disable=SC2086
over=$(python3 -c "print(f'{$(med 6 ${p99[ours]}) - $(med 6 ${p99[direct]}):.3f}')")
# shellcheck disable=SC2086
over_nginx=$(python3 -c "print(f'{$(med 6 ${p99[nginx]}) - $(med 6 ${p99[direct]}):.3f}')")
# shellcheck disable=SC2086
ratio=$(python3 -c "print(f'{$(med 6 ${rps[ours]}) / $(med 6 ${rps[nginx]}):.2f}')")
ratios=$(python3 -c "import sys; o, n = sys.argv[1].split(), sys.argv[2].split(); print(' '.join(f'{float(a) / float(b):.2f}' for a, b in zip(o, n)))" "${rps[ours]}" "${rps[nginx]}")
line "p99 overhead at $RATE req/s: socialchat-proxy / nginx" "$over / $over_nginx ms"
line "throughput ratio socialchat-proxy / nginx (median; each round)" "$ratio ($ratios)"
python3 -c "import sys; sys.exit(0 if $over <= 0.5 else 1)" && echo "PASS p99 overhead at most 0.5 ms at $RATE req/s ($over ms)" || echo "FAIL p99 overhead at most 0.5 ms at $RATE req/s ($over ms)"
python3 -c "import sys; sys.exit(0 if $ratio >= 0.6 else 1)" && echo "PASS throughput at least 0.6x nginx's, a floor (x$ratio)" || echo "FAIL throughput at least 0.6x nginx's, a floor (x$ratio)"
