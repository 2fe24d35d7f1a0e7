#!/usr/bin/env bash
# nginx with and without ngx_iam, and the usual alternative (auth_request to
# a keepalive authorizer), one worker each, driven by wrk over loopback.
# The ngx_iam figure cycles through 10,000 distinct presigned URLs, so no
# signature is ever checked twice in a row.
set -euo pipefail
cd "$(dirname "$0")/../.."

. tools/bench/nginx-setup.sh

/usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -g "daemon on;"
sleep 0.5

# one request through each, to be sure they serve what they should
first=$(head -n 1 "$dir/urls.txt")
for check in "$P_PLAIN$first" "$P_IAM$first" "$P_AUTHREQ$first"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$check")
    [ "$code" = 200 ] || { echo "bench setup: $check gave $code"; cat "$dir/error.log"; exit 1; }
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_IAM/bucket/object")
[ "$code" = 403 ] || { echo "bench setup: unsigned request gave $code"; exit 1; }

# Three rounds, each running wrk (pinned away from the worker) against the
# three servers in turn, so that a change in the machine's speed during the
# bench touches all three alike.  Reported: the median requests per second,
# and the worker's CPU time per request over the three runs (from /proc: it
# does not depend on whether wrk or nginx is the bottleneck).
worker=$(pgrep -P "$(cat "$dir/nginx.pid")" | head -n 1)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$worker/stat"; }
HZ=$(getconf CLK_TCK)

declare -A rates ticks requests

for _ in 1 2 3; do
    for name in plain iam authreq; do
        case $name in
            plain) port=$P_PLAIN ;; iam) port=$P_IAM ;; authreq) port=$P_AUTHREQ ;;
        esac
        before=$(cpu_ticks)
        # all three cycle through the same URLs: wrk's own cost is the same
        out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" \
              -s "$dir/cycle.lua" "http://127.0.0.1:$port")
        after=$(cpu_ticks)
        rates[$name]="${rates[$name]:-} $(echo "$out" | awk '/Requests\/sec/ { print $2 }')"
        ticks[$name]=$(( ${ticks[$name]:-0} + after - before ))
        requests[$name]=$(( ${requests[$name]:-0} + $(echo "$out" | awk '/requests in/ { print $1 }') ))
    done
done

median() { echo $1 | tr ' ' '\n' | sort -n | sed -n 2p; }
per_request() {
    awk -v t="${ticks[$1]}" -v hz="$HZ" -v n="${requests[$1]}" \
        'BEGIN { printf "%.2f", t / hz * 1e6 / n }'
}

plain=$(median "${rates[plain]}");     plain_us=$(per_request plain)
iam=$(median "${rates[iam]}");         iam_us=$(per_request iam)
authreq=$(median "${rates[authreq]}"); authreq_us=$(per_request authreq)

errors=$(grep -c '\[\(alert\|crit\|emerg\)\]' "$dir/error.log" || true)

echo "== nginx, 1 worker on CPU 0, wrk -t1 -c$CONNS on CPU 1, 3 x ${DURATION}s each"
printf '%-40s %9s %22s\n' "" "req/s" "worker CPU per request"
awk -v p="$plain" -v i="$iam" -v a="$authreq" -v pu="$plain_us" \
    -v iu="$iam_us" -v au="$authreq_us" -v n="$NURLS" 'BEGIN {
    printf "%-40s %9.0f %19.2f us\n", "plain nginx (empty_gif)", p, pu
    printf "%-40s %9.0f %19.2f us\n", "ngx_iam SigV4, " n " presigned URLs", i, iu
    printf "%-40s %9.0f %19.2f us\n", "auth_request, keepalive authorizer", a, au
    printf "ngx_iam: %.1f%% of plain req/s; %.1f%% of plain when the worker is the limit (CPU)\n", i * 100 / p, pu * 100 / iu
    printf "ngx_iam vs auth_request: %.2fx req/s; %.2fx by worker CPU\n", i / a, au / iu
}'
[ "$errors" = 0 ] || { echo "error.log has $errors alert/crit/emerg lines"; exit 1; }
