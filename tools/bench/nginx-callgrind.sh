#!/usr/bin/env bash
# Instructions per request, counted by callgrind: unlike wrk's figures they
# do not move with the machine's load, so they show what a code change
# costs.  One nginx (master_process off) per run under callgrind: no
# request, 2,000 to the plain server, 2,000 distinct presigned requests to
# the ngx_iam server; the differences divided by 2,000 are the figures.
# (Under valgrind OpenSSL runs its generic SHA-256 code: the crypto part
# counts more instructions than it costs on a CPU with SHA extensions.)
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v valgrind >/dev/null; then
    echo "nginx callgrind: skipped (valgrind missing)"
    exit 0
fi

BENCH_URLS=2000
. tools/bench/nginx-setup.sh

N=2000

# total instructions of one nginx run serving N requests on port $1
count() {
    local port=$1 out=$dir/cg.$1 vpid i

    valgrind --tool=callgrind --callgrind-out-file="$out" \
        /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" \
        -g "daemon off; master_process off;" 2> "$dir/valgrind.log" &
    vpid=$!

    for i in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$P_AUTHZ/" && break
        sleep 0.2
    done

    if [ "$port" != none ]; then
        # one keepalive connection, N distinct URLs
        sed "s|^|-o /dev/null http://127.0.0.1:$port|" "$dir/urls.txt" \
            | xargs curl -s --fail > /dev/null \
            || { echo "nginx callgrind: a request to $port failed"; exit 1; }
    fi

    kill -QUIT $vpid
    wait $vpid || true
    awk '/^summary:/ { print $2 }' "$out"
}

base=$(count none)
plain=$(count "$P_PLAIN")
iam=$(count "$P_IAM")

echo "== nginx under callgrind, $N requests each, instructions per request"
awk -v b="$base" -v p="$plain" -v i="$iam" -v n="$N" 'BEGIN {
    printf "%-40s %9.0f\n", "plain nginx (empty_gif)", (p - b) / n
    printf "%-40s %9.0f\n", "ngx_iam SigV4 presigned", (i - b) / n
    printf "ngx_iam adds %.0f instructions per request\n", (i - p) / n
}'
