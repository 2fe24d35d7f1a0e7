#!/bin/sh
# Runs each fuzz target for SECONDS on its corpus, one after the other:
#   run.sh FUZZ_DIR SECONDS TARGET...
# The corpus grows in FUZZ_DIR/corpus/TARGET (kept between runs); a crash,
# leak, timeout (10 s per input) or out-of-memory (1.5 GB) stops the target
# with a non-zero status, its input in FUZZ_DIR/artifacts/, and fails the
# run.  Prints executions per target.

dir=$1
seconds=$2
shift 2

status=0
summary=

mkdir -p "$dir/artifacts"

for t in "$@"; do
    mkdir -p "$dir/corpus/$t"
    log="$dir/fuzz_$t.log"

    case $t in
        policy|account) max_len=65536 ;;
        jwt)            max_len=9000 ;;
        *)              max_len=8192 ;;
    esac

    echo "fuzz: $t for ${seconds}s"

    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    UBSAN_OPTIONS=print_stacktrace=1 \
    "$dir/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=1536 -malloc_limit_mb=1536 -max_len=$max_len \
        -print_final_stats=1 -artifact_prefix="$dir/artifacts/$t-" \
        "$dir/corpus/$t" "$dir/seeds/$t" < /dev/null > "$log" 2>&1
    rc=$?

    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)

    if [ $rc -ne 0 ]; then
        status=1
        echo "fuzz: $t FAILED (exit $rc), see $log:"
        grep -E 'ERROR|SUMMARY|assertion|Test unit written' "$log" | head -20
        summary="$summary$t: FAILED after ${execs:-?} executions\n"
    else
        summary="$summary$t: ${execs} executions, $cov, corpus $(ls "$dir/corpus/$t" | wc -l)\n"
    fi
done

printf "fuzz summary (%ss each):\n$summary" "$seconds"

exit $status
