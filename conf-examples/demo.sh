#!/usr/bin/env bash
# make demo: an nginx S3 gateway protected by ngx_iam on 127.0.0.1, real
# signed requests from curl and the AWS CLI, and what was decided and why.
# Exits 0 only when every request was decided as expected.
set -uo pipefail
cd "$(dirname "$0")/.."

MODULE=$PWD/build/ngx_http_iam_module.so
EXAMPLE=$PWD/conf-examples/s3-gateway
[ -f "$MODULE" ] || { echo "demo: build the module first (make)"; exit 1; }

dir=$(mktemp -d /tmp/ngx-iam-demo.XXXXXX)
chmod 755 "$dir"                # the workers run as nobody when started as root
trap '[ -f "$dir/nginx.pid" ] && kill -QUIT "$(cat "$dir/nginx.pid")" 2>/dev/null; sleep 0.3; rm -rf "$dir"' EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(port)
UPSTREAM_PORT=$(port)

mkdir -p "$dir/tmp" "$dir/store/team/reports" "$dir/store/team/secret" \
         "$dir/store/team/home/alice"
cp "$EXAMPLE/account.json" "$EXAMPLE/bucket-policy.json" "$dir/"
sed -e "s|@PREFIX@|$dir|g" -e "s|@PORT@|$PORT|g" \
    -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" -e "s|@MODULE@|$MODULE|g" \
    "$EXAMPLE/nginx.conf" > "$dir/nginx.conf"
echo "Welcome to the team bucket." > "$dir/store/team/readme.txt"
echo "quarter,revenue" > "$dir/store/team/reports/q3.csv"
echo "hunter2" > "$dir/store/team/secret/keys.txt"
chmod -R a+rwX "$dir/store"

if ! /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf"; then
    echo "demo: nginx did not start"; exit 1
fi
for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
    sleep 0.1
done

export AWS_CONFIG_FILE=$dir/aws-config AWS_SHARED_CREDENTIALS_FILE=$dir/aws-credentials
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
cat > "$AWS_CONFIG_FILE" <<CFG
[default]
region = us-east-1
s3 =
    addressing_style = path
    signature_version = s3v4
CFG
cat > "$AWS_SHARED_CREDENTIALS_FILE" <<CFG
[default]
aws_access_key_id = AKIAEXAMPLEALICE0001
aws_secret_access_key = alice-example-secret
CFG

URL=http://127.0.0.1:$PORT
ALICE=(--aws-sigv4 "aws:amz:us-east-1:s3" --user AKIAEXAMPLEALICE0001:alice-example-secret
       -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
AUDITOR=(--aws-sigv4 "aws:amz:us-east-1:s3" --user AKIAEXAMPLEAUDITOR01:auditor-example-secret
         -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
failures=0

# the last decision-log record, in words
decision() {
    python3 - "$dir/decisions.log" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
r = json.loads(lines[-1]) if lines else {}
if r.get("authError"):
    print("      refused before any policy: %s" % r["authError"])
else:
    print("      %s  %s  %s" % (r.get("principal"), r.get("action"), r.get("resource")))
    print("      -> %s%s" % (r.get("decision"),
          "  by " + r["statement"] if r.get("statement") else ""))
PY
}

# show WHAT EXPECTED_STATUS curl-args...
show() {
    local what=$1 want=$2; shift 2
    local got
    got=$(curl -s -o "$dir/body" -w '%{http_code}' "$@")
    sleep 0.1
    printf '%-62s %s\n' "$what" "$got"
    decision
    if [ "$got" != "$want" ]; then
        echo "      !! expected $want"; failures=$((failures + 1))
    fi
}

echo "ngx_iam demo: an S3 gateway on $URL (account conf-examples/s3-gateway)"
echo

show "alice reads team/readme.txt (curl --aws-sigv4)" 200 \
     "${ALICE[@]}" "$URL/team/readme.txt"

echo "My notes" > "$dir/notes.txt"
printf '%-62s ' "alice uploads team/home/alice/notes.txt (aws s3 cp)"
if aws --endpoint-url "$URL" s3 cp "$dir/notes.txt" s3://team/home/alice/notes.txt >/dev/null 2>"$dir/err"; then
    echo ok; decision
else
    echo FAILED; cat "$dir/err"; failures=$((failures + 1))
fi

printf '%-62s ' "alice downloads it again (aws s3 cp)"
if aws --endpoint-url "$URL" s3 cp s3://team/home/alice/notes.txt "$dir/back.txt" >/dev/null 2>"$dir/err" \
   && cmp -s "$dir/notes.txt" "$dir/back.txt"; then
    echo "ok, same bytes"; decision
else
    echo FAILED; cat "$dir/err"; failures=$((failures + 1))
fi

printf '%-62s ' "alice uploads into bob's home (aws s3 cp)"
if aws --endpoint-url "$URL" s3 cp "$dir/notes.txt" s3://team/home/bob/notes.txt >/dev/null 2>"$dir/err"; then
    echo "ALLOWED?!"; failures=$((failures + 1))
else
    echo "refused: $(grep -o 'AccessDenied' "$dir/err" | head -1)"; decision
fi

show "alice reads team/secret/keys.txt (explicit deny)" 403 \
     "${ALICE[@]}" "$URL/team/secret/keys.txt"
show "auditor reads team/reports/q3.csv (bucket policy)" 200 \
     "${AUDITOR[@]}" "$URL/team/reports/q3.csv"
show "auditor reads team/readme.txt (nothing allows it)" 403 \
     "${AUDITOR[@]}" "$URL/team/readme.txt"
show "an unsigned request" 403 "$URL/team/readme.txt"
show "alice with a wrong secret" 403 \
     --aws-sigv4 "aws:amz:us-east-1:s3" --user AKIAEXAMPLEALICE0001:wrong \
     -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$URL/team/readme.txt"

echo
echo "The refusals, as the error log tells them:"
grep -o 'iam: .*' "$dir/error.log" | sed 's/, client: .*//' | sed 's/^/  /' | tail -n 5
echo
if [ "$failures" = 0 ]; then
    echo "demo: every request was decided as expected"
else
    echo "demo: $failures unexpected outcome(s)"
    exit 1
fi
