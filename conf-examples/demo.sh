#!/usr/bin/env bash
# make demo: the s3-gateway example (conf-examples/s3-gateway) on 127.0.0.1,
# real signed requests from curl and the AWS CLI, and for each one the HTTP
# status and what the decision log says: who, which action on which
# resource, the decision and the statement that decided.
# Exits 0 only when every request was decided as expected.
set -uo pipefail
cd "$(dirname "$0")/.."

NGINX=${NGINX_BIN:-/usr/sbin/nginx}
MODULE=$PWD/build/ngx_http_iam_module.so
EXAMPLE=$PWD/conf-examples/s3-gateway
[ -f "$MODULE" ] || { echo "demo: build the module first (make)"; exit 1; }
[ -x "$NGINX" ] || { echo "demo: nginx not found at $NGINX (make deps, or set NGINX_BIN)"; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/ngx-iam-demo.XXXXXX")
chmod 755 "$dir"                # the workers run as nobody when started as root
stop() {
    if [ -s "$dir/nginx.pid" ]; then
        pid=$(cat "$dir/nginx.pid")
        kill -QUIT "$pid" 2>/dev/null
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    [ -n "${KEEP:-}" ] && echo "demo: kept $dir" || rm -rf "$dir"
}
trap stop EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(port)
UPSTREAM_PORT=$(port)
while [ "$UPSTREAM_PORT" = "$PORT" ]; do UPSTREAM_PORT=$(port); done

# the example, placeholders filled, and a few objects in the store
mkdir -p "$dir/tmp" "$dir/store/team/reports" "$dir/store/team/secret" "$dir/store/team/home/alice"
cp "$EXAMPLE/account.json" "$EXAMPLE/bucket-policy.json" "$EXAMPLE/store.secret" "$dir/"
sed -e "s|@PREFIX@|$dir|g" -e "s|@PORT@|$PORT|g" \
    -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" -e "s|@MODULE@|$MODULE|g" \
    "$EXAMPLE/nginx.conf" > "$dir/nginx.conf"
echo "Welcome to the team bucket." > "$dir/store/team/readme.txt"
echo "quarter,revenue"             > "$dir/store/team/reports/q3.csv"
echo "hunter2"                     > "$dir/store/team/secret/keys.txt"
chmod -R a+rwX "$dir/store"

if ! "$NGINX" -p "$dir" -c "$dir/nginx.conf"; then
    echo "demo: nginx did not start"; exit 1
fi
for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
    sleep 0.1
done
touch "$dir/decisions.log"

export AWS_CONFIG_FILE=$dir/aws-config AWS_SHARED_CREDENTIALS_FILE=$dir/aws-credentials
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
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
SIGV4=(--aws-sigv4 "aws:amz:us-east-1:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
ALICE=("${SIGV4[@]}" --user AKIAEXAMPLEALICE0001:alice-example-secret)
AUDITOR=("${SIGV4[@]}" --user AKIAEXAMPLEAUDITOR01:auditor-example-secret)
failures=0

logged() { wc -l < "$dir/decisions.log"; }

# wait for the decision log to grow past $1 lines, print its last record as
# "STATUS|principal  action  resource  -> decision (statement)"
decision() {
    local before=$1
    for _ in $(seq 40); do [ "$(logged)" -gt "$before" ] && break; sleep 0.05; done
    python3 - "$dir/decisions.log" "$before" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]
if not lines:
    print("000|(no decision logged)"); sys.exit()
r = json.loads(lines[-1])
who = r["principal"].rsplit("/", 1)[-1] if r["principal"].startswith("arn:") else r["principal"]
if r["authError"]:
    what = "key %s: refused before any policy: %s" % (r["accessKey"] or "-", r["authError"])
else:
    what = "%s  %s  %s -> %s" % (who, r["action"], r["resource"], r["decision"])
    if r["statement"]:
        what += " (" + r["statement"] + ")"
print("%s|%s" % (r["status"], what))
PY
}

# report WANT_STATUS WHAT BEFORE [EXTRA]: one line per request
report() {
    local want=$1 what=$2 before=$3 extra=${4:-} line status mark=ok
    line=$(decision "$before")
    status=${line%%|*}
    [ "$status" = "$want" ] || { mark="!!"; failures=$((failures + 1)); }
    printf '%-2s %s  %-44s %s%s\n' "$mark" "$status" "$what" "${line#*|}" "$extra"
    [ "$mark" = ok ] || echo "       expected HTTP $want"
}

# req WANT_STATUS WHAT curl-args...
req() {
    local want=$1 what=$2 before code; shift 2
    before=$(logged)
    curl -s -o "$dir/body" "$@"
    code=$(grep -o '<Code>[^<]*' "$dir/body" | sed 's/<Code>/ [/;s/$/]/')
    [[ $code == *AccessDenied* ]] || code=""      # the others are in the line already
    report "$want" "$what" "$before" "$code"
}

# cli WANT_STATUS WHAT aws-args...: the AWS CLI; the last request it made
cli() {
    local want=$1 what=$2 before rc; shift 2
    if ! command -v aws >/dev/null; then
        printf '%-2s %s  %-44s %s\n' "--" "---" "$what" "skipped: the AWS CLI is not installed"
        return
    fi
    before=$(logged)
    aws --endpoint-url "$URL" "$@" >/dev/null 2>"$dir/err"; rc=$?
    local extra=""
    grep -q AccessDenied "$dir/err" && extra=" [AccessDenied]"
    if [ "${want:0:1}" = 2 ] && [ $rc != 0 ]; then extra=" [aws exited $rc: $(tail -1 "$dir/err")]"; want=exit0; fi
    if [ "${want:0:1}" != 2 ] && [ $rc = 0 ]; then extra=" [aws exited 0?!]"; want=exit1; fi
    report "$want" "$what" "$before" "$extra"
}

cat <<EOF
ngx_iam demo: an S3 gateway on $URL in front of an object store
  account   conf-examples/s3-gateway/account.json (alice: developers group; auditor: no policies)
  bucket    conf-examples/s3-gateway/bucket-policy.json (auditor may read team/reports/*)
  log       $dir/decisions.log (log_format escape=json)

   HTTP  request                                      decision log: who  action  resource -> decision (statement)
EOF

req 200 "alice GETs team/readme.txt (curl)" "${ALICE[@]}" "$URL/team/readme.txt"

echo "My notes" > "$dir/notes.txt"
cli 201 "alice uploads home/alice/notes.txt (aws)" s3 cp "$dir/notes.txt" s3://team/home/alice/notes.txt
cli 200 "alice downloads it again (aws)" s3 cp s3://team/home/alice/notes.txt "$dir/back.txt"
if command -v aws >/dev/null && ! cmp -s "$dir/notes.txt" "$dir/back.txt"; then
    echo "!!        the downloaded file differs from the upload"; failures=$((failures + 1))
fi
cli 403 "alice uploads into home/bob/ (aws)" s3 cp "$dir/notes.txt" s3://team/home/bob/notes.txt

req 403 "alice GETs team/secret/keys.txt (curl)" "${ALICE[@]}" "$URL/team/secret/keys.txt"
req 200 "auditor GETs team/reports/q3.csv (curl)" "${AUDITOR[@]}" "$URL/team/reports/q3.csv"
req 403 "auditor GETs team/readme.txt (curl)" "${AUDITOR[@]}" "$URL/team/readme.txt"
req 403 "an unsigned GET (curl)" "$URL/team/readme.txt"
req 403 "alice with a wrong secret (curl)" "${SIGV4[@]}" --user AKIAEXAMPLEALICE0001:wrong \
    "$URL/team/readme.txt"

echo
echo "The refusals, as the error log tells them:"
grep -o 'iam: .*' "$dir/error.log" | sed -e 's/, client: .*//' -e 's/^/  /' | tail -n 5
echo
if [ "$failures" = 0 ]; then
    echo "demo: every request was decided as expected"
else
    echo "demo: $failures unexpected outcome(s)"
    exit 1
fi
