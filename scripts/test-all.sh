#!/usr/bin/env bash
# The whole test suite, as the README says and CI runs it:
#
#   release  cmake --preset ci (Release, -Werror) into build/, then every label
#   asan     cmake --preset asan (ASan + UBSan) into build-asan/, then every label
#   tsan     cmake --preset tsan (TSan) into build-tsan/, then the labels `unit`, `win32`, `conformance`, `compute` and `raster` (the threaded parts)
#   fuzz     clang + libFuzzer build of the SPIR-V front end into build-fuzz/, run for 60 s (label `fuzz`)
#
#   scripts/test-all.sh              all four stages
#   scripts/test-all.sh release asan only those stages, in that order
#
# A configure or build failure stops at once; failing tests do not stop the next stages. The exit
# status is non-zero if anything failed; the last line sums up every ctest run.
#
# Under ASan every label runs, `tools` too: vulkaninfo is not instrumented and dlopens the
# instrumented driver, so tests/tools/CMakeLists.txt gives those tests LD_PRELOAD=libasan+libubsan
# (ASan must come first in the process) and no leak checking (vulkaninfo's and the loader's leaks are
# not Kiln's). Kiln's own leaks are checked by the unit and loader labels.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stages=("$@")
if [[ ${#stages[@]} -eq 0 ]]; then
  stages=(release asan tsan fuzz)
fi
for stage in "${stages[@]}"; do
  case $stage in
    release | asan | tsan | fuzz) ;;
    *) echo "test-all: unknown stage '$stage' (release, asan, tsan, fuzz)" >&2; exit 2 ;;
  esac
done

passed=0
failed=0
skipped=0
failed_runs=()
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# run_ctest NAME COMMAND...: runs one ctest, adds its counts to the totals; never exits.
run_ctest() {
  local name=$1 log=$logs/$1.log rc=0 counts
  shift
  echo
  echo "== [$name] $*"
  "$@" 2>&1 | tee "$log" || rc=$?
  counts=$(sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\)$/\1 \2/p' "$log" | tail -n1)
  if [[ -n $counts ]]; then
    local run_failed=${counts% *} run_total=${counts#* } run_skipped
    # ctest counts a skipped test as not failed; it lists it under "did not run".
    run_skipped=$(grep -cE '^[[:space:]]*[0-9]+ - .* \((Skipped|Disabled)\)$' "$log" || true)
    passed=$((passed + run_total - run_failed - run_skipped))
    failed=$((failed + run_failed))
    skipped=$((skipped + run_skipped))
  elif grep -q 'No tests were found' "$log" && [[ $rc -eq 0 ]]; then
    echo "[$name] no tests with this label"
  else
    failed=$((failed + 1))  # ctest itself failed before it could count
  fi
  if [[ $rc -ne 0 ]]; then
    failed_runs+=("$name")
  fi
}

# build PRESET: configures and builds one preset; a failure ends the script.
build() {
  echo
  echo "== [$1] configure and build"
  cmake --preset "$1"
  cmake --build --preset "$1"
}

start=$SECONDS
for stage in "${stages[@]}"; do
  stage_start=$SECONDS
  case $stage in
    release)
      build ci
      run_ctest release ctest --test-dir build --output-on-failure --no-tests=error --parallel 2
      ;;
    asan)
      build asan
      # The preset's environment: ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0,
      # UBSAN halt_on_error. The compute tests put back the fast unwinder for malloc: with the slow one,
      # lavapipe's JIT deadlocks inside libgcc's unwinder (tests/compute/CMakeLists.txt says why).
      run_ctest asan ctest --preset asan --no-tests=error --parallel 2
      ;;
    tsan)
      build tsan
      # GCC 12's TSan cannot map its shadow when the kernel randomizes mmap with more than 28 bits.
      tsan_wrap=()
      if [[ $(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28) -gt 28 ]]; then
        tsan_wrap=(setarch "$(uname -m)" -R)
      fi
      # Suppressions (the preset's TSAN_OPTIONS): tests/tsan.supp, other vendors' code only.
      run_ctest tsan "${tsan_wrap[@]}" ctest --preset tsan --label-regex '^(unit|win32|conformance|compute|raster|strict)$' --no-tests=error
      ;;
    fuzz)
      # libFuzzer is clang's: a separate build of the SPIR-V front end alone, run for 60 s.
      echo
      echo "== [fuzz] configure and build (clang, libFuzzer + ASan + UBSan)"
      CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_BUILD_FUZZERS=ON \
        -DKILN_BUILD_TESTS=OFF -DKILN_BUILD_BENCH=OFF
      cmake --build build-fuzz --target kiln_spirv_fuzzer -j2
      run_ctest fuzz ctest --test-dir build-fuzz -L fuzz --output-on-failure --no-tests=error
      ;;
  esac
  echo "== [$stage] done in $((SECONDS - stage_start)) s"
done

echo
echo "== test-all: stages ${stages[*]} in $((SECONDS - start)) s"
if [[ ${#failed_runs[@]} -ne 0 ]]; then
  echo "== failing ctest runs: ${failed_runs[*]}"
fi
echo "test-all: $passed passed, $failed failed, $skipped skipped"
[[ ${#failed_runs[@]} -eq 0 && $failed -eq 0 ]]
