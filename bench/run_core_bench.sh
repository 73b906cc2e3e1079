#!/bin/sh
# Core benchmarks (docs/BENCHMARKS.md, "Core"). Prints numbers; never fails on timing.
#
#   bench/run_core_bench.sh path     [stanzas=200000] [runs=5]   parse -> dispatch -> serialise, no sockets
#   bench/run_core_bench.sh inproc   [messages=200000] [runs=3]  real GatewayHost + fake server, one thread
#   bench/run_core_bench.sh loopback [messages=100000] [runs=3]  the junction binary + fake server
#   bench/run_core_bench.sh lag      [rate=5000] [seconds=60]    junction at a fixed rate: lag p99 from /metrics
#   bench/run_core_bench.sh soak     [seconds=600] [rate=1000]   junction at a fixed rate: VmRSS every 10 s
#   bench/run_core_bench.sh all                                  path, inproc, loopback
#
# BUILD selects the build directory (default: build-bench, configured with
#   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}
JUNCTION=$BUILD/src/junction
PATH_BENCH=$BUILD/bench/core_path_bench
LOOP_BENCH=$BUILD/bench/core_loopback_bench

need() {
  for f in "$@"; do
    if [ ! -x "$f" ]; then
      echo "missing $f; build with: cmake --build $BUILD --target junction core_path_bench core_loopback_bench" >&2
      exit 2
    fi
  done
}

machine() {
  echo "# $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

cmd=${1:-all}
[ $# -gt 0 ] && shift
case "$cmd" in
  path)
    need "$PATH_BENCH"; machine
    "$PATH_BENCH" "${1:-200000}" "${2:-5}" ;;
  inproc)
    need "$LOOP_BENCH"; machine
    "$LOOP_BENCH" --inproc --gateway direct --count "${1:-200000}" --runs "${2:-3}"
    "$LOOP_BENCH" --inproc --gateway echo --count "${1:-200000}" --runs "${2:-3}" ;;
  loopback)
    need "$LOOP_BENCH" "$JUNCTION"; machine
    "$LOOP_BENCH" --junction "$JUNCTION" --count "${1:-100000}" --runs "${2:-3}" ;;
  lag)
    need "$LOOP_BENCH" "$JUNCTION"; machine
    "$LOOP_BENCH" --junction "$JUNCTION" --rate "${1:-5000}" --duration "${2:-60}" --sample 10 ;;
  soak)
    need "$LOOP_BENCH" "$JUNCTION"; machine
    "$LOOP_BENCH" --junction "$JUNCTION" --rate "${2:-1000}" --duration "${1:-600}" --sample 10 ;;
  all)
    "$0" path; "$0" inproc; "$0" loopback ;;
  *)
    sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
