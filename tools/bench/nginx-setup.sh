# Sourced by the nginx benchmarks: an account, one nginx configuration with
# a plain, an ngx_iam and an auth_request server, and 10,000 distinct
# presigned URLs signed by botocore.  Sets dir, MODULE, P_PLAIN, P_IAM,
# P_AUTHREQ, P_AUTHZ; the caller starts nginx (with "daemon" set by -g).

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


