#!/bin/sh
# run.sh -- `make fuzz`: run each libFuzzer harness for a while, summarise.
#
# usage: tests/fuzz/run.sh BUILDDIR SECONDS NAME...
#
# Runs BUILDDIR/NAME for SECONDS on tests/fuzz/corpus/NAME.  That seed
# directory is only read: new inputs collect in BUILDDIR/corpus/NAME (kept
# between runs until `make clean`), crash inputs in BUILDDIR/artifacts/NAME,
# libFuzzer's output in BUILDDIR/NAME.log.  Prints one line per harness,
# "fuzz NAME: N runs in S s, no crash", and exits 1 if any harness failed,
# after showing the end of its log.  A crash input belongs in the seed
# corpus once fixed, so it stays a regression test.
set -u

if [ $# -lt 3 ]; then
	echo "usage: $0 BUILDDIR SECONDS NAME..." >&2
	exit 2
fi
dir=$1
secs=$2
shift 2
seeds=$(dirname "$0")/corpus
status=0

for name in "$@"; do
	work=$dir/corpus/$name
	art=$dir/artifacts/$name
	log=$dir/$name.log
	mkdir -p "$work" "$art"
	"$dir/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$art/" \
	    "$work" "$seeds/$name" >"$log" 2>&1
	rc=$?
	runs=$(sed -n \
	    's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' \
	    "$log")
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "fuzz $name: $runs, no crash"
		continue
	fi
	status=1
	echo "fuzz $name: FAILED (exit $rc)${runs:+ after $runs}"
	tail -n 60 "$log"
	for f in "$art"/*; do
		[ -f "$f" ] && echo "fuzz $name: input kept in $f"
	done
done
exit $status
