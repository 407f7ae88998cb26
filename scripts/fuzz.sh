#!/usr/bin/env bash
# fuzz.sh PKG TARGET FUZZTIME MINIMIZE: one fuzz target for a fixed time.
#
# A duration -fuzztime races Go's fuzz coordinator at its deadline
# (golang/go#75804, fixed in Go 1.27; go.mod is on 1.26): on a busy machine
# the target then fails with a bare "context deadline exceeded" though no
# input failed. Such a run, with no failing input written, is run once
# more; a real finding (a written input, a panic, a test failure) fails at
# once, and a second deadline failure fails too.
set -uo pipefail
pkg=$1 target=$2 fuzztime=$3 minimize=$4
GO=${GO:-go}
for attempt in 1 2; do
	log=$(mktemp)
	"$GO" test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ]; then rm -f "$log"; exit 0; fi
	if [ "$attempt" -eq 1 ] && grep -q 'context deadline exceeded' "$log" &&
		! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' "$log"; then
		echo "fuzz.sh: $target stopped on Go's fuzztime deadline race (golang/go#75804), no failing input: running it once more"
		rm -f "$log"
		continue
	fi
	rm -f "$log"
	exit "$rc"
done
