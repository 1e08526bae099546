#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: the unit and end-to-end suites, the unit
# suites again under AddressSanitizer and UndefinedBehaviorSanitizer, and the parser fuzzer for
# a minute. Exits non-zero on the first failure. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash tools/install-deps.sh
bash tools/build.sh

echo "== unit tests under ASan + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBANDWATCH_SANITIZE=ON -DBANDWATCH_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -LE e2e --output-on-failure -j"$jobs"

echo "== parser fuzzing (60 s)"
CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBANDWATCH_FUZZ=ON \
  -DBANDWATCH_TESTS=OFF -DBANDWATCH_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target parser_fuzz
mkdir -p build-fuzz/corpus
build-fuzz/tests/fuzz/parser_fuzz -max_total_time=60 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix=build-fuzz/ build-fuzz/corpus tests/fuzz/corpus 2>build-fuzz/fuzz.log ||
  { tail -50 build-fuzz/fuzz.log; echo "fuzzer found a crash: see build-fuzz/crash-*"; exit 1; }
grep -E '^Done|#[0-9]+.*DONE' build-fuzz/fuzz.log | tail -1

echo "== all tests"
ctest --test-dir build --output-on-failure -j"$jobs"
