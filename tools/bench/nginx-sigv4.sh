#!/usr/bin/env bash
# nginx with and without ngx_iam, and the usual alternative (auth_request to
# a keepalive authorizer), one worker each, driven by wrk over loopback.
# The ngx_iam figure cycles through 10,000 distinct presigned URLs, so no
# signature is ever checked twice in a row.
set -euo pipefail
cd "$(dirname "$0")/../.."

MODULE=$PWD/build/ngx_http_iam_module.so
DURATION=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNECTIONS:-32}
NURLS=${BENCH_URLS:-10000}

if [ ! -f "$MODULE" ] || ! command -v wrk >/dev/null; then
    echo "nginx bench: skipped (module or wrk missing)"
    exit 0
fi

dir=${BENCH_DIR:-$(mktemp -d)}
chmod 755 "$dir"    # the workers run as nobody when started as root
trap 'kill $(cat "$dir"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$dir"' EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_PLAIN=$(port); P_IAM=$(port); P_AUTHREQ=$(port); P_AUTHZ=$(port)


cat > "$dir/account.json" <<JSON
{
  "account": "123456789012",
  "policies": {
    "Read": { "Version": "2012-10-17",
              "Statement": [ { "Effect": "Allow", "Action": "s3:GetObject",
                               "Resource": "arn:aws:s3:::bucket/*" } ] }
  },
  "users": {
    "bench": { "policies": ["Read"],
               "access_keys": [ { "id": "AKIAEXAMPLEBENCH0001", "secret": "bench-secret" } ] }
  }
}
JSON

cat > "$dir/nginx.conf" <<CONF
load_module $MODULE;
worker_processes 1;
worker_cpu_affinity 01;     # the worker on CPU 0, wrk on CPU 1: less noise
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    iam_account $dir/account.json;

    upstream authorizer { server 127.0.0.1:$P_AUTHZ; keepalive 64; }

    server { listen 127.0.0.1:$P_PLAIN; location / { empty_gif; } }

    server {
        listen 127.0.0.1:$P_IAM;
        location / {
            iam on;
            iam_auth sigv4;
            iam_sigv4 region=us-east-1 service=s3;
            iam_mapping s3;
            empty_gif;
        }
    }

    server {
        listen 127.0.0.1:$P_AUTHREQ;
        location / { auth_request /_auth; empty_gif; }
        location = /_auth {
            internal;
            proxy_pass http://authorizer;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI \$request_uri;
        }
    }

    server { listen 127.0.0.1:$P_AUTHZ; location / { return 204; } }
}
CONF
mkdir -p "$dir/tmp"

python3 - "$P_IAM" "$NURLS" > "$dir/urls.txt" <<'PY'
import sys
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
port, n = sys.argv[1], int(sys.argv[2])
creds = Credentials("AKIAEXAMPLEBENCH0001", "bench-secret")
for i in range(n):
    req = AWSRequest(method="GET",
                     url="http://127.0.0.1:%s/bucket/object-%d" % (port, i))
    S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=3600).add_auth(req)
    print(req.url.split(port, 1)[1])
PY

cat > "$dir/cycle.lua" <<LUA
local paths = {}
for line in io.lines("$dir/urls.txt") do paths[#paths + 1] = line end
local i = 0
request = function()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
LUA

/usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf"
sleep 0.5

# one request through each, to be sure they serve what they should
first=$(head -n 1 "$dir/urls.txt")
for check in "$P_PLAIN$first" "$P_IAM$first" "$P_AUTHREQ$first"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$check")
    [ "$code" = 200 ] || { echo "bench setup: $check gave $code"; cat "$dir/error.log"; exit 1; }
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_IAM/bucket/object")
[ "$code" = 403 ] || { echo "bench setup: unsigned request gave $code"; exit 1; }

# Three runs of wrk pinned away from the worker: the median requests per
# second, and the worker's CPU time per request over all three (from
# /proc: it does not depend on whether wrk or nginx is the bottleneck).
worker=$(pgrep -P "$(cat "$dir/nginx.pid")" | head -n 1)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$worker/stat"; }
HZ=$(getconf CLK_TCK)

measure() {
    local before after total=0 out rates=""
    before=$(cpu_ticks)
    for _ in 1 2 3; do
        out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" "$@")
        rates="$rates $(echo "$out" | awk '/Requests\/sec/ { print $2 }')"
        total=$((total + $(echo "$out" | awk '/requests in/ { print $1 }')))
    done
    after=$(cpu_ticks)
    echo "$(echo $rates | tr ' ' '\n' | sort -n | sed -n 2p)" \
         "$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$total" \
                'BEGIN { printf "%.2f", t / hz * 1e6 / n }')"
}

# all three cycle through the same URLs, so wrk's own cost is the same
read -r plain plain_us < <(measure -s "$dir/cycle.lua" "http://127.0.0.1:$P_PLAIN")
read -r iam iam_us < <(measure -s "$dir/cycle.lua" "http://127.0.0.1:$P_IAM")
read -r authreq authreq_us < <(measure -s "$dir/cycle.lua" "http://127.0.0.1:$P_AUTHREQ")

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
