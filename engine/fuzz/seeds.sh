#!/bin/sh
# Seed corpora for the fuzz targets, from the test suites:
#   seeds.sh OUT_DIR TEST_S3_MAP_BINARY
# policy:  engine/tests/policies (valid and invalid), every simulation case
#          of engine/tests/eval/cases.jsonl, engine/fuzz/seeds/policy
# account: engine/tests/accounts (valid and invalid)
# sigv4:   AWS's two SigV4 suites (signed requests, header and query),
#          engine/fuzz/seeds/sigv4
# s3:      every case of engine/tests/test_s3_map.c, engine/fuzz/seeds/s3
# NAME:    engine/fuzz/seeds/NAME, for targets added later

set -e

out=$1
s3map=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
data=${IAM_TESTDATA:-$src/../shared/testdata}

rm -rf "$out"
mkdir -p "$out/policy" "$out/account" "$out/sigv4" "$out/s3"

cp "$src"/engine/tests/policies/*.json "$out/policy/"
for f in "$src"/engine/tests/policies/invalid/*.json; do
    cp "$f" "$out/policy/invalid-$(basename "$f")"
done
jq -c '.case' "$src/engine/tests/eval/cases.jsonl" \
    | split -l 1 -a 3 - "$out/policy/case-"

cp "$src"/engine/tests/accounts/valid.json "$out/account/"
for f in "$src"/engine/tests/accounts/invalid/*.json; do
    cp "$f" "$out/account/invalid-$(basename "$f")"
done

n=0
for f in $(find "$data/sigv4" -name '*.sreq' -o -name '*-signed-request.txt' \
           | sort); do
    n=$((n + 1))
    cp "$f" "$out/sigv4/suite-$n.req"
done

IAM_FUZZ_SEEDS="$out/s3" "$s3map" > /dev/null

# hand-written seeds, for these targets and any added later, in
# engine/fuzz/seeds/NAME/ or engine/fuzz/seeds-NAME/
for d in "$src"/engine/fuzz/seeds/*/ "$src"/engine/fuzz/seeds-*/; do
    [ -d "$d" ] || continue
    t=$(basename "$d")
    t=${t#seeds-}
    mkdir -p "$out/$t"
    cp "$d"* "$out/$t/"
done

for d in "$out"/*/; do
    echo "fuzz seeds: $(basename "$d"): $(ls "$d" | wc -l) files"
done
