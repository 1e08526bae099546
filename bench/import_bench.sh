#!/usr/bin/env bash
# Import benchmark: `bandwatch import` on a generated 1-million-row Annex A list 8 through
# examples/extracts.bw (annex_a_list8: 2 filters, 4 labels with a regex match, 5 samples, ages,
# working days), as rows per second and as a ratio to reading the same file with
# `cat FILE > /dev/null` in the same run. Best of RUNS for each, by wall time and by CPU time
# (user + system: what the import costs when other work shares the cores). Also the peak memory
# of an import (it streams: the figure does not grow with the file) and one run writing a real
# file of samples.
#
# usage: bench/import_bench.sh [BUILD_DIR]          (default: build-extract, else build)
# env:   ROWS (1000000)  RUNS (3)  SEED (1)  BANDWATCH_BENCH_DATA (~/.cache/bandwatch/import-bench)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-}
if [[ -z "$BUILD" ]]; then
  for candidate in "$ROOT/build-extract" "$ROOT/build"; do
    if [[ -x "$candidate/clients/bandwatch" ]]; then BUILD=$candidate; break; fi
  done
fi
[[ -n "$BUILD" && -x "$BUILD/clients/bandwatch" ]] || { echo "no built bandwatch; pass the build dir" >&2; exit 2; }
BANDWATCH=$BUILD/clients/bandwatch
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
DATA=${BANDWATCH_BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/bandwatch/import-bench}/rows$ROWS-seed$SEED
LIST=$DATA/list8.csv
AS_OF=2020-02-04

# The generator takes a while for a million rows; keep its output between runs.
if [[ ! -s "$LIST" || "$LIST" -ot "$ROOT/tools/gen_annex_a.py" ]]; then
  echo "generating $ROWS rows of list 8 into $DATA ..." >&2
  python3 "$ROOT/tools/gen_annex_a.py" --lists 8 --list8-rows "$ROWS" --seed "$SEED" --as-of "$AS_OF" \
    --out "$DATA" 2>/dev/null
fi

# Runs a command RUNS times (stdout to /dev/null, stderr to $DATA/last.err) and prints the best
# wall time, the best CPU time (user + sys), and the largest peak RSS in KB. Exit statuses 0 and
# 3 (rows rejected: the generator plants bad rows) count as success.
measure() {
  python3 - "$RUNS" "$DATA/last.err" "$@" <<'PY'
import resource, subprocess, sys, time
runs, err, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
walls, cpus, peak = [], [], 0
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(err, "w") as e:
        status = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=e).returncode
    walls.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    peak = max(peak, after.ru_maxrss)
    if status not in (0, 3):
        sys.exit(f"{cmd[0]} exited {status}: see {err}")
print(f"{min(walls):.3f} {min(cpus):.3f} {peak}")
PY
}

import_cmd=("$BANDWATCH" import --rules "$ROOT/examples" --extract annex_a_list8 --as-of "$AS_OF")
read -r cat_wall cat_cpu _ < <(measure cat "$LIST")
read -r imp_wall imp_cpu imp_peak < <(measure "${import_cmd[@]}" --out /dev/null "$LIST")
summary=$(grep -E 'list8.csv: rows read' "$DATA/last.err" | tail -1)
rows=$(sed -E 's/.*rows read ([0-9]+).*/\1/' <<<"$summary")
read -r file_wall file_cpu _ < <(RUNS=1 measure "${import_cmd[@]}" --out "$DATA/samples.txt" "$LIST")
out_mb=$(awk "BEGIN { printf \"%.0f\", $(stat -c %s "$DATA/samples.txt") / 1e6 }")
rm -f "$DATA/samples.txt"
mb=$(awk "BEGIN { printf \"%.1f\", $(stat -c %s "$LIST") / 1e6 }")

awk -v list="$LIST" -v mb="$mb" -v rows="$rows" -v summary="$summary" -v runs="$RUNS" \
    -v cmd="${import_cmd[*]} --out /dev/null FILE" \
    -v cw="$cat_wall" -v cc="$cat_cpu" -v iw="$imp_wall" -v ic="$imp_cpu" -v peak="$imp_peak" \
    -v fw="$file_wall" -v fc="$file_cpu" -v outmb="$out_mb" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    -v cores="$(nproc)" 'BEGIN {
  printf "input        %s: %s MB\n", list, mb
  printf "import       %s\n", summary
  printf "command      %s\n", cmd
  printf "cat          best of %d: %.3f s wall (%.0f MB/s), %.3f s CPU\n", runs, cw, mb / cw, cc
  printf "import       best of %d: %.3f s wall = %.0f rows/s; %.3f s CPU = %.0f rows/s per CPU second\n", runs, iw, rows / iw, ic, rows / ic
  printf "ratio        import / cat, wall: %.1f\n", iw / cw
  printf "to a file    %.3f s wall = %.0f rows/s; %.3f s CPU; %s MB of samples\n", fw, rows / fw, fc, outmb
  printf "peak memory  %d KB\n", peak
  printf "machine      %d cores, load average %s\n", cores, load
}'
