#!/usr/bin/env bash
# Statutory returns import benchmark: `bandwatch import --return ssda903` on a generated return
# and `--return cin` on a generated census (tools/gen_returns.py, messy as the tests' ones, about
# 3% of children held back), as rows per second and as a ratio to reading the same files with
# `cat > /dev/null` in the same run. Best of RUNS by wall time and by CPU time, and the peak
# memory (the SSDA903 return is held in memory, a child's rows being checked against each other
# across tables; the census is streamed child by child).
#
# usage: bench/returns_bench.sh [BUILD_DIR]            (default: build)
# env:   CHILDREN (100000)  RUNS (3)  SEED (1)  YEAR (2024)  BANDWATCH_BENCH_DATA (~/.cache/bandwatch/returns-bench)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
[[ -x "$BUILD/clients/bandwatch" ]] || { echo "no built bandwatch in $BUILD; pass the build dir" >&2; exit 2; }
BANDWATCH=$BUILD/clients/bandwatch
CHILDREN=${CHILDREN:-100000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
YEAR=${YEAR:-2024}
DATA=${BANDWATCH_BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/bandwatch/returns-bench}/children$CHILDREN-seed$SEED-$YEAR

for kind in ssda903 cin; do
  if [[ ! -s "$DATA/$kind/expected.json" || "$DATA/$kind/expected.json" -ot "$ROOT/tools/gen_returns.py" ]]; then
    echo "generating a $kind return of $CHILDREN children into $DATA/$kind ..." >&2
    python3 "$ROOT/tools/gen_returns.py" "$kind" --children "$CHILDREN" --year "$YEAR" --seed "$SEED" --out "$DATA/$kind"
  fi
done

# Best wall and CPU time of RUNS runs and the largest peak RSS (KB); exit 4 (children held back:
# the generator plants faults) counts as success.
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
    if status not in (0, 4):
        sys.exit(f"{cmd[0]} exited {status}: see {err}")
print(f"{min(walls):.3f} {min(cpus):.3f} {peak}")
PY
}

report() {  # kind, rows, files...
  local kind=$1 rows=$2 summary
  shift 2
  local mb
  mb=$(du -cb "$@" | tail -1 | awk '{ printf "%.1f", $1 / 1e6 }')
  read -r cat_wall cat_cpu _ < <(measure cat "$@")
  local cmd=("$BANDWATCH" import --return "$kind" --year "$YEAR" --out /dev/null)
  [[ $kind == cin ]] && cmd+=("$DATA/cin/cin_census.xml") || cmd+=("$DATA/ssda903")
  read -r imp_wall imp_cpu imp_peak < <(measure "${cmd[@]}")
  summary=$(tail -1 "$DATA/last.err")
  awk -v kind="$kind" -v mb="$mb" -v rows="$rows" -v summary="$summary" -v runs="$RUNS" \
      -v cw="$cat_wall" -v cc="$cat_cpu" -v iw="$imp_wall" -v ic="$imp_cpu" -v peak="$imp_peak" 'BEGIN {
    printf "%-8s input %s MB, %d rows; %s\n", kind, mb, rows, summary
    printf "%-8s cat    best of %d: %.3f s wall, %.3f s CPU\n", kind, runs, cw, cc
    printf "%-8s import best of %d: %.3f s wall = %.0f rows/s; %.3f s CPU = %.0f rows/s per CPU second\n", kind, runs, iw, rows / iw, ic, rows / ic
    printf "%-8s ratio  import / cat, wall: %.1f; peak memory %d KB\n", kind, iw / cw, peak
  }'
}

# SSDA903: every row of every table; CIN: a row is a child.
s903_rows=$(python3 -c "import json,sys; e=json.load(open(sys.argv[1])); print(sum(t['rows_read'] for t in e['tables'].values()))" "$DATA/ssda903/expected.json")
cin_rows=$CHILDREN
report ssda903 "$s903_rows" "$DATA"/ssda903/*.csv
report cin "$cin_rows" "$DATA/cin/cin_census.xml"
printf "machine  %d cores, load average %s\n" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
