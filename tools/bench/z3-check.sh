#!/usr/bin/env bash
# iamctl check-no-new-access over two 100-statement identity policies: the
# time of a whole run (Z3 included), p50 and p95 over BENCH_Z3_RUNS runs, for
# a change that grants nothing new (PASS: statements reordered, a Deny added)
# and one that does (FAIL: one action widened, counterexample confirmed).
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=${BENCH_Z3_RUNS:-20}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

python3 - "$dir" <<'PY'
import json, random, sys

random.seed(7)
d = sys.argv[1]
services = ["s3", "dynamodb", "sqs", "sns", "ec2", "kms", "orders", "lambda"]
verbs = ["Get", "Put", "List", "Describe", "Delete", "Update", "Create"]
nouns = ["Object", "Item", "Queue", "Topic", "Instance", "Key", "Order"]

def statement(i):
    svc = random.choice(services)
    acts = sorted({"%s:%s%s" % (svc, random.choice(verbs), random.choice(nouns))
                   for _ in range(random.randint(1, 4))})
    if random.random() < 0.15:
        acts = ["%s:%s*" % (svc, random.choice(verbs))]
    res = ["arn:aws:%s:eu-west-1:123456789012:res%d/%s*" %
           (svc, i, random.choice(["a", "b/", "team-${aws:username}/", ""]))]
    st = {"Sid": "S%d" % i, "Effect": "Deny" if i % 10 == 9 else "Allow",
          "Action": acts, "Resource": res}
    r = random.random()
    if r < 0.2:
        st["Condition"] = {"IpAddress": {"aws:SourceIp":
                           "10.%d.0.0/16" % random.randint(0, 255)}}
    elif r < 0.35:
        st["Condition"] = {"StringEquals": {"aws:PrincipalTag/team":
                           random.choice(["blue", "red", "green"])}}
    elif r < 0.45:
        st["Condition"] = {"Bool": {"aws:SecureTransport": "true"},
                           "NumericLessThan": {"s3:max-keys": "1000"}}
    return st

old = [statement(i) for i in range(100)]
passing = list(reversed(old))
passing[50] = dict(passing[50], Effect="Deny")
failing = json.loads(json.dumps(old))
failing[3]["Action"] = [failing[3]["Action"][0].split(":")[0] + ":*"]
failing[3]["Effect"] = "Allow"
for name, st in (("old", old), ("pass", passing), ("fail", failing)):
    with open("%s/%s.json" % (d, name), "w") as f:
        json.dump({"Version": "2012-10-17", "Statement": st}, f)
PY

for case in pass fail; do
    : > "$dir/$case.times"
    for _ in $(seq "$RUNS"); do
        start=$(date +%s.%N)
        rc=0
        build/iamctl check-no-new-access --timeout 60 "$dir/old.json" \
            "$dir/$case.json" > "$dir/out" || rc=$?
        end=$(date +%s.%N)
        echo "$end - $start" | bc >> "$dir/$case.times"
    done
    result=$(head -n 1 "$dir/out")
    sort -n "$dir/$case.times" | awk -v c="$case" -v r="$result" -v rc="$rc" '
        { t[NR] = $1 }
        END {
            p50 = t[int((NR - 1) * 0.50) + 1]; p95 = t[int((NR - 1) * 0.95) + 1]
            printf "z3 check-no-new-access, 100 statements, %s change: " \
                   "%s (exit %d), p50 %.2f s, p95 %.2f s over %d runs\n",
                   c, r, rc, p50, p95, NR
        }'
done
