#!/usr/bin/env bash
# nginx with and without ngx_iam's JWT authentication, one worker, wrk over
# loopback, for RS256, ES256 and EdDSA.  Warm: 1,000 distinct tokens (signed
# by npm jose) cycling through the worker's verified-token cache.  Cold: the
# same tokens with "iam_jwt_cache 0", so every request checks a signature.
# Each round runs plain, warm and cold in turn (as nginx-sigv4.sh does).
set -euo pipefail
cd "$(dirname "$0")/../.."

MODULE=$PWD/build/ngx_http_iam_module.so
DURATION=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNECTIONS:-32}
NTOKENS=${BENCH_TOKENS:-1000}
ISSUER=https://issuer.bench.example

if [ ! -f "$MODULE" ] || ! command -v wrk >/dev/null || ! command -v node >/dev/null \
   || [ ! -d t/node_modules/jose ]; then
    echo "nginx JWT bench: skipped (module, wrk, node or t/node_modules/jose missing)"
    exit 0
fi

dir=$(mktemp -d)
chmod 755 "$dir"
trap 'kill $(cat "$dir"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$dir"' EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_PLAIN=$(port); P_WARM=$(port); P_COLD=$(port)

cat > "$dir/account.json" <<JSON
{
  "account": "123456789012",
  "policies": {
    "Read": { "Version": "2012-10-17",
              "Statement": [ { "Effect": "Allow", "Action": "bench:Read",
                               "Resource": "arn:app:bench:::item/*" } ] }
  },
  "roles": {
    "bench": {
      "trust": { "Version": "2012-10-17", "Statement": [ {
          "Effect": "Allow",
          "Principal": { "Federated": "arn:aws:iam::123456789012:oidc-provider/issuer.bench.example" },
          "Action": "sts:AssumeRoleWithWebIdentity",
          "Condition": { "StringEquals": { "issuer.bench.example:aud": "bench" },
                         "StringLike": { "issuer.bench.example:sub": "client-*" } } } ] },
      "policies": ["Read"], "max_session_seconds": 3600
    }
  }
}
JSON

node t/clients/jwt.mjs keys "$dir/keys" > /dev/null

# one nginx per cache setting (iam_jwt_cache is an http-level directive);
# the plain server is the cold one's
conf() {
    local name=$1 port=$2 cache=$3
    cat > "$dir/$name.conf" <<CONF
load_module $MODULE;
worker_processes 1;
worker_cpu_affinity 01;
pid $dir/$name.pid;
error_log $dir/$name.error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    iam_account $dir/account.json;
    iam_oidc_provider $ISSUER jwks=$dir/keys/jwks.json audience=bench;
    iam_jwt_cache $cache;

    server { listen 127.0.0.1:$P_PLAIN; location / { empty_gif; } }

    server {
        listen 127.0.0.1:$port;
        location / {
            iam on;
            iam_auth jwt;
            iam_role bench;
            iam_action GET bench:Read;
            iam_resource "arn:app:bench:::item\$uri";
            empty_gif;
        }
    }
}
CONF
}

conf warm "$P_WARM" 10000
sed -i "s/listen 127.0.0.1:$P_PLAIN;/listen 127.0.0.1:$(port);/" "$dir/warm.conf"
conf cold "$P_COLD" 0
mkdir -p "$dir/tmp"

echo "== nginx JWT, 1 worker on CPU 0, wrk -t1 -c$CONNS on CPU 1, $NTOKENS tokens, 3 rounds x ${DURATION}s"
printf '%-28s %9s %9s %9s %14s %14s\n' "" "plain" "warm" "cold" "warm/plain" "cold/plain"

for alg in RS256 ES256 EdDSA; do
    now=$(date +%s)
    node -e '
        const [alg, n, now, iss] = process.argv.slice(1);
        const specs = {};
        for (let i = 0; i < Number(n); i++)
            specs["t" + i] = { alg, claims: { iss, aud: "bench", sub: "client-" + i,
                                iat: Number(now) - 10, exp: Number(now) + 3000 } };
        console.log(JSON.stringify(specs));' "$alg" "$NTOKENS" "$now" "$ISSUER" \
    | node t/clients/jwt.mjs batch "$dir/keys" \
    | python3 -c 'import json,sys; [print(t) for t in json.load(sys.stdin).values()]' \
        > "$dir/tokens.txt"

    cat > "$dir/cycle.lua" <<LUA
local tokens = {}
for line in io.lines("$dir/tokens.txt") do tokens[#tokens + 1] = line end
local i = 0
request = function()
    i = i % #tokens + 1
    return wrk.format("GET", "/item", { ["Authorization"] = "Bearer " .. tokens[i] })
end
LUA

    declare -A rates=() ticks=() requests=()

    for name in warm cold; do
        /usr/sbin/nginx -p "$dir" -c "$dir/$name.conf" -g "daemon on;"
    done
    sleep 0.5

    for p in $P_WARM $P_COLD; do
        code=$(curl -s -o /dev/null -w '%{http_code}' \
               -H "Authorization: Bearer $(head -n 1 "$dir/tokens.txt")" \
               "http://127.0.0.1:$p/item")
        [ "$code" = 200 ] || { echo "JWT bench setup: $alg on $p gave $code"; cat "$dir"/*.error.log; exit 1; }
    done

    for _ in 1 2 3; do
        for name in plain warm cold; do
            case $name in
                plain) port=$P_PLAIN; pidf=cold ;;
                warm)  port=$P_WARM;  pidf=warm ;;
                cold)  port=$P_COLD;  pidf=cold ;;
            esac
            worker=$(pgrep -P "$(cat "$dir/$pidf.pid")" | head -n 1)
            before=$(awk '{ print $14 + $15 }' "/proc/$worker/stat")
            out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" \
                  -s "$dir/cycle.lua" "http://127.0.0.1:$port")
            after=$(awk '{ print $14 + $15 }' "/proc/$worker/stat")
            rates[$name]="${rates[$name]:-} $(echo "$out" | awk '/Requests\/sec/ { print $2 }')"
            ticks[$name]=$(( ${ticks[$name]:-0} + after - before ))
            requests[$name]=$(( ${requests[$name]:-0} + $(echo "$out" | awk '/requests in/ { print $1 }') ))
        done
    done

    for name in warm cold; do
        kill -QUIT "$(cat "$dir/$name.pid")"
    done
    sleep 0.5

    HZ=$(getconf CLK_TCK)
    median() { echo $1 | tr ' ' '\n' | sort -n | sed -n 2p; }
    us() { awk -v t="${ticks[$1]}" -v hz="$HZ" -v n="${requests[$1]}" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }'; }
    p=$(median "${rates[plain]}"); w=$(median "${rates[warm]}"); c=$(median "${rates[cold]}")
    printf '%-28s %9.0f %9.0f %9.0f %13.1f%% %13.1f%%   req/s\n' "$alg" "$p" "$w" "$c" \
        "$(awk -v a="$w" -v b="$p" 'BEGIN { print a * 100 / b }')" \
        "$(awk -v a="$c" -v b="$p" 'BEGIN { print a * 100 / b }')"
    printf '%-28s %9s %9s %9s %13.1f%% %13.1f%%   worker CPU (us per request; %% of plain)\n' "" \
        "$(us plain)" "$(us warm)" "$(us cold)" \
        "$(awk -v a="$(us plain)" -v b="$(us warm)" 'BEGIN { print a * 100 / b }')" \
        "$(awk -v a="$(us plain)" -v b="$(us cold)" 'BEGIN { print a * 100 / b }')"
done

errors=$(cat "$dir"/*.error.log | grep -c '\[\(alert\|crit\|emerg\)\]' || true)
[ "$errors" = 0 ] || { echo "error.log has $errors alert/crit/emerg lines"; exit 1; }
