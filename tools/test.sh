#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: the unit and end-to-end suites, the unit
# suites again under AddressSanitizer and UndefinedBehaviorSanitizer, and three fuzzers for a
# total of 90 s, 30 s each (the rules parser; what bandwatchd reads from an ingest socket; the CSV
# import).
# Exits non-zero on the first failure. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash tools/install-deps.sh
bash tools/build.sh

echo "== unit tests under ASan + UBSan (the e2e and browser suites are not built here; they run below)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBANDWATCH_SANITIZE=ON -DBANDWATCH_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -LE "e2e|browser" --output-on-failure -j"$jobs"

echo "== fuzzing (30 s each, 90 s in all): the rules parser; the ingest frames, sample lines and batches; the CSV import"
CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBANDWATCH_FUZZ=ON \
  -DBANDWATCH_TESTS=OFF -DBANDWATCH_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target parser_fuzz ingest_fuzz csv_fuzz
for fuzz in parser:corpus ingest:ingest_corpus csv:csv_corpus; do
  name=${fuzz%%:*} seeds=tests/fuzz/${fuzz#*:}
  mkdir -p "build-fuzz/corpus-$name"
  build-fuzz/tests/fuzz/"$name"_fuzz -max_total_time=30 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="build-fuzz/$name-" "build-fuzz/corpus-$name" "$seeds" 2>"build-fuzz/$name.log" ||
    { tail -50 "build-fuzz/$name.log"; echo "the $name fuzzer found a crash: see build-fuzz/$name-crash-*;" \
        "keep the input in $seeds as a regression test"; exit 1; }
  echo "$name: $(grep -E '^Done|#[0-9]+.*DONE' "build-fuzz/$name.log" | tail -1)"
done

echo "== all tests"
ctest --test-dir build --output-on-failure -j"$jobs"
