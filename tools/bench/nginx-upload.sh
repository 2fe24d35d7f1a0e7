#!/usr/bin/env bash
# S3 uploads of 1 MiB and 64 MiB through nginx proxying to a sink, with and
# without ngx_iam: the gateway verifies a hex x-amz-content-sha256 and a
# signed aws-chunked body (a signature per 64 KiB chunk).  One worker, the
# body streamed upstream (proxy_request_buffering off) so that no disk is
# involved; curl sends each body from memory-cached files.  Prints the
# median MiB/s (15 uploads of 1 MiB, 3 of 64 MiB) and the worker's CPU time
# per MiB over all of them.
set -euo pipefail
cd "$(dirname "$0")/../.."

MODULE=$PWD/build/ngx_http_iam_module.so
RUNS_SMALL=${BENCH_UPLOADS_SMALL:-15}
RUNS_LARGE=${BENCH_UPLOADS:-3}

if [ ! -f "$MODULE" ]; then
    echo "upload bench: skipped (module missing)"
    exit 0
fi

dir=${BENCH_DIR:-$(mktemp -d)}
store=$(mktemp -d -p "$( [ -w /dev/shm ] && echo /dev/shm || echo "$dir")")
chmod 755 "$dir"
chmod 777 "$store"      # the workers run as nobody when started as root
mkdir -p "$store/bucket"
chmod 777 "$store/bucket"
trap 'kill $(cat "$dir"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$dir" "$store"' EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_PLAIN=$(port); P_IAM=$(port); P_SINK=$(port)

cat > "$dir/account.json" <<JSON
{
  "account": "123456789012",
  "policies": {
    "Write": { "Version": "2012-10-17",
               "Statement": [ { "Effect": "Allow", "Action": "s3:PutObject",
                                "Resource": "arn:aws:s3:::bucket/*" } ] }
  },
  "users": {
    "bench": { "policies": ["Write"],
               "access_keys": [ { "id": "AKIAEXAMPLEBENCH0001", "secret": "bench-secret" } ] }
  }
}
JSON

cat > "$dir/nginx.conf" <<CONF
load_module $MODULE;
worker_processes 1;
worker_cpu_affinity 01;
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_max_body_size 0;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    iam_account $dir/account.json;
    proxy_request_buffering off;
    proxy_http_version 1.1;

    server {
        listen 127.0.0.1:$P_PLAIN;
        location / { proxy_pass http://127.0.0.1:$P_SINK; }
    }

    server {
        listen 127.0.0.1:$P_IAM;
        location / {
            iam on;
            iam_mapping s3;
            iam_sigv4 region=us-east-1 service=s3;
            proxy_pass http://127.0.0.1:$P_SINK;
        }
    }

    # reads every body to its end (a sink that answered early would leave
    # the proxies to discard the rest, unread and unchecked): dav PUT into
    # memory when /dev/shm is there
    server {
        listen 127.0.0.1:$P_SINK;
        root $store;
        location / { dav_methods PUT; }
    }
}
CONF
mkdir -p "$dir/tmp"

# the bodies, and the headers that sign them (hex and aws-chunked)
python3 - "$dir" "$P_IAM" <<'PY'
import datetime, hashlib, hmac, os, sys
d, port = sys.argv[1], sys.argv[2]
key, secret = "AKIAEXAMPLEBENCH0001", "bench-secret"
now = datetime.datetime.now(datetime.timezone.utc)
amz, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
scope = day + "/us-east-1/s3/aws4_request"
h = lambda k, m: hmac.new(k, m.encode(), hashlib.sha256)
k = h(h(h(h(("AWS4" + secret).encode(), day).digest(), "us-east-1").digest(),
      "s3").digest(), "aws4_request").digest()
empty = hashlib.sha256(b"").hexdigest()

def sign(path, mode, extra):
    hd = {"host": "127.0.0.1:" + port, "x-amz-content-sha256": mode,
          "x-amz-date": amz, **extra}
    names = sorted(hd)
    creq = "\n".join(["PUT", path, ""] + ["%s:%s" % (n, hd[n]) for n in names]
                     + ["", ";".join(names), mode])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    sig = h(k, sts).hexdigest()
    lines = ["%s: %s" % (n, hd[n]) for n in names if n != "host"]
    lines.append("Authorization: AWS4-HMAC-SHA256 Credential=%s/%s, "
                 "SignedHeaders=%s, Signature=%s"
                 % (key, scope, ";".join(names), sig))
    return sig, lines

for mib in (1, 64):
    data = os.urandom(mib << 20)
    with open("%s/%d.bin" % (d, mib), "wb") as f:
        f.write(data)
    path = "/bucket/object-%d" % mib
    _, lines = sign(path, "UNSIGNED-PAYLOAD", {})
    with open("%s/%d.unsigned.h" % (d, mib), "w") as f:
        f.write("\n".join(lines) + "\n")
    _, lines = sign(path, hashlib.sha256(data).hexdigest(), {})
    with open("%s/%d.hex.h" % (d, mib), "w") as f:
        f.write("\n".join(lines) + "\n")
    prev, lines = sign(path, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                       {"content-encoding": "aws-chunked",
                        "x-amz-decoded-content-length": str(len(data))})
    with open("%s/%d.chunked.h" % (d, mib), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open("%s/%d.chunked" % (d, mib), "wb") as f:
        for off in list(range(0, len(data), 65536)) + [len(data)]:
            c = data[off:off + 65536]
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz, scope, prev,
                             empty, hashlib.sha256(c).hexdigest()])
            prev = h(k, sts).hexdigest()
            f.write(b"%x;chunk-signature=%s\r\n%s\r\n"
                    % (len(c), prev.encode(), c))
PY

/usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf"
sleep 0.5

worker=$(pgrep -P "$(cat "$dir/nginx.pid")" | head -n 1)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$worker/stat"; }
HZ=$(getconf CLK_TCK)

# upload PORT MIB BODY [HEADER FILE]: "median-MiB/s worker-ms-per-MiB"
upload() {
    local port=$1 mib=$2 body=$3 hfile=${4:-} before after t rates="" code
    local RUNS=$RUNS_LARGE
    [ "$mib" -gt 1 ] || RUNS=$RUNS_SMALL
    local -a hdr=(-H 'Content-Type:' -H 'Expect:')
    [ -n "$hfile" ] && hdr+=(-H "@$hfile")
    before=$(cpu_ticks)
    for _ in $(seq "$RUNS"); do
        read -r code t < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
            -X PUT --data-binary "@$body" "${hdr[@]}" \
            "http://127.0.0.1:$port/bucket/object-$mib")
        [ "$code" = 201 ] || [ "$code" = 204 ] || { echo "upload bench: $body to $port gave $code" >&2;
                               cat "$dir/error.log" >&2; exit 1; }
        rates="$rates $(awk -v m="$mib" -v t="$t" 'BEGIN { printf "%.1f", m / t }')"
    done
    after=$(cpu_ticks)
    echo "$(echo $rates | tr ' ' '\n' | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" \
         "$(awk -v t=$((after - before)) -v hz="$HZ" -v n=$((RUNS * mib)) \
                'BEGIN { printf "%.2f", t / hz * 1e3 / n }')"
}

echo "== S3 uploads through nginx to a sink, 1 worker, median of" \
     "$RUNS_SMALL (1 MiB) and $RUNS_LARGE (64 MiB) uploads"
printf '%-44s %10s %20s\n' "" "MiB/s" "worker CPU per MiB"
for mib in 1 64; do
    read -r p pc < <(upload "$P_PLAIN" "$mib" "$dir/$mib.bin")
    read -r u uc < <(upload "$P_IAM" "$mib" "$dir/$mib.bin" "$dir/$mib.unsigned.h")
    read -r x xc < <(upload "$P_IAM" "$mib" "$dir/$mib.bin" "$dir/$mib.hex.h")
    read -r c cc < <(upload "$P_IAM" "$mib" "$dir/$mib.chunked" "$dir/$mib.chunked.h")
    printf '%-44s %10s %17s ms\n' "$mib MiB, plain proxy" "$p" "$pc"
    printf '%-44s %10s %17s ms\n' "$mib MiB, ngx_iam, UNSIGNED-PAYLOAD" "$u" "$uc"
    printf '%-44s %10s %17s ms\n' "$mib MiB, ngx_iam, hex SHA-256 verified" "$x" "$xc"
    printf '%-44s %10s %17s ms\n' "$mib MiB, ngx_iam, aws-chunked verified" "$c" "$cc"
    awk -v p="$p" -v x="$x" -v c="$c" -v m="$mib" 'BEGIN {
        printf "%d MiB: hex %.0f%%, aws-chunked %.0f%% of the plain proxy'"'"'s MiB/s\n",
               m, x * 100 / p, c * 100 / p }'
done

errors=$(grep -c '\[\(alert\|crit\|emerg\)\]' "$dir/error.log" || true)
[ "$errors" = 0 ] || { echo "error.log has $errors alert/crit/emerg lines"; exit 1; }
