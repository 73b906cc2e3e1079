#!/usr/bin/env bash
# Junction's whole test run, the one CI runs (.ci/run):
#   setup -> build (-Werror) -> unit tests -> ASan+UBSan build and unit tests
#   -> libFuzzer build and a short run of every *_fuzz target -> end-to-end suite.
# Every part runs even when an earlier one failed (unless it depends on a failed build);
# the last line is "summary: N passed, N failed" and the exit status is non-zero on any failure.
#
# Environment:
#   JOBS=2             parallel build/test jobs
#   FUZZ_SECONDS=30    libFuzzer -max_total_time per target
#   SKIP="asan fuzz"   parts to leave out (setup build unit asan fuzz e2e deploy); CI skips nothing
#   PYTEST_ADDOPTS="-k 'echo and prosody'"  pytest's own variable: extra e2e arguments
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$PWD
JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
SKIP=${SKIP:-}
if [[ "${CI:-}" == "true" ]]; then SKIP=""; fi

passed=0
failed=0
results=()

skipped() { [[ " $SKIP " == *" $1 "* ]]; }

# part NAME COMMAND...: runs one part, records PASS/FAIL and its duration.
part() {
  local name=$1
  shift
  echo
  echo "=================== $name ==================="
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    results+=("PASS  $name ($((SECONDS - start))s)")
    return 0
  else
    local rc=$?
    failed=$((failed + 1))
    results+=("FAIL  $name (exit $rc, $((SECONDS - start))s)")
    return 1
  fi
}

configure_and_build() {
  local dir=$1
  shift
  cmake -S "$ROOT" -B "$ROOT/$dir" -G Ninja "$@" && cmake --build "$ROOT/$dir" -j "$JOBS"
}

unit_tests() {
  ctest --test-dir "$ROOT/$1" --output-on-failure --no-tests=error -j "$JOBS"
}

sanitized_unit_tests() {
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    unit_tests build-asan
}

fuzz_build() {
  # Only the fuzz targets and what they link are built with clang.
  CC=clang-14 CXX=clang++-14 cmake -S "$ROOT" -B "$ROOT/build-fuzz" -G Ninja \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DJUNCTION_FUZZ=ON -DBUILD_TESTING=OFF &&
    cmake --build "$ROOT/build-fuzz" -j "$JOBS" --target fuzzers
}

run_fuzzer() {
  local exe=$1 name
  name=$(basename "$exe")
  local corpus="$ROOT/build-fuzz/corpus/$name" seeds="$ROOT/fuzz/corpus/$name"
  local artifacts="$ROOT/build-fuzz/artifacts/$name/"
  mkdir -p "$corpus" "$artifacts"
  local dirs=("$corpus")
  [[ -d "$seeds" ]] && dirs+=("$seeds")
  # -timeout: one input taking longer is a bug; -rss_limit_mb keeps 2 cores usable.
  "$exe" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "${dirs[@]}" 2>&1 | tail -n 25
}

fuzz_all() {
  mapfile -t targets < <(find "$ROOT/build-fuzz" -type f -executable -name '*_fuzz' | sort)
  if ((${#targets[@]} == 0)); then
    echo "no *_fuzz executables in build-fuzz"
    failed=$((failed + 1))
    results+=("FAIL  fuzz: no targets built")
    return
  fi
  for exe in "${targets[@]}"; do
    part "fuzz $(basename "$exe")" run_fuzzer "$exe"
  done
}

e2e() {
  # The suite starts its own Prosody and ejabberd; an hour is far beyond its normal run.
  timeout --kill-after=30 45m /usr/bin/python3 -m pytest "$ROOT/tests/e2e" -v
}

# --- the run ---------------------------------------------------------------------------

skipped setup || part "setup" bash "$ROOT/scripts/setup.sh"

if ! skipped build; then
  if part "build (-Werror)" configure_and_build build -DJUNCTION_WERROR=ON; then
    skipped unit || part "unit tests" unit_tests build
  else
    skipped unit || { failed=$((failed + 1)); results+=("FAIL  unit tests (build failed)"); }
  fi
fi

if ! skipped asan; then
  if part "build (ASan+UBSan)" configure_and_build build-asan -DJUNCTION_SANITIZE=ON; then
    part "unit tests (ASan+UBSan)" sanitized_unit_tests
  else
    failed=$((failed + 1))
    results+=("FAIL  unit tests (ASan+UBSan) (build failed)")
  fi
fi

if ! skipped fuzz; then
  if part "build (fuzz, clang-14)" fuzz_build; then
    fuzz_all
  fi
fi

skipped e2e || part "end-to-end (pytest tests/e2e)" e2e

# --- deploy: the Debian package, its systemd unit and the server recipes ------------------
# tests/deploy/run.sh packages build/ (built above), installs the .deb, runs it against
# Prosody/ejabberd/nginx set up from deploy/recipes/, then removes and purges it.
# JUNCTION_DEBOOTSTRAP_TEST=1 adds the Dockerfile check in debootstrap chroots (slow).
deploy() {
  local limit=20m
  [[ ${JUNCTION_DEBOOTSTRAP_TEST:-0} == 1 ]] && limit=80m
  BUILD_DIR="$ROOT/build" JOBS="$JOBS" timeout --kill-after=30 "$limit" bash "$ROOT/tests/deploy/run.sh"
}
skipped deploy || part "deploy (tests/deploy)" deploy

echo
echo "=================== summary ==================="
printf '%s\n' "${results[@]}"
[[ -n "$SKIP" ]] && echo "skipped: $SKIP"
echo "summary: $passed passed, $failed failed"
((failed == 0))
