#!/usr/bin/env bash
# Engine benchmark on the shared workload (../shared/bench-anchors): 1,000 indicators x 100 series
# x 3 periods = 300,000 samples. Runs, in one go on the same machine:
#   1. `bandwatch eval --format summary` on the workload; its band counts must equal
#      expected.json before any time counts; prints the whole command's wall time (best of 3) and
#      its ingest+evaluate rate;
#   2. bench/engine_bench (Google Benchmark: samples/s on one core and bytes per series);
#   3. json-rules-engine 7 (npm, cached) through the anchors' jre_bench.js;
# then the ratio bandwatch / json-rules-engine.
#
# usage: bench/run_engine_bench.sh [BUILD_DIR]        (default: build-engine, else build)
# env:   BANDWATCH_ANCHORS  the bench-anchors folder (default ../shared/bench-anchors)
#        BANDWATCH_NPM_DIR  where json-rules-engine is installed (default ~/.cache/bandwatch/jre)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-}
if [[ -z "$BUILD" ]]; then
  for candidate in "$ROOT/build-engine" "$ROOT/build"; do
    if [[ -x "$candidate/clients/bandwatch" ]]; then BUILD=$candidate; break; fi
  done
fi
[[ -n "$BUILD" && -x "$BUILD/clients/bandwatch" ]] || { echo "no built bandwatch; pass the build dir" >&2; exit 2; }
ANCHORS=${BANDWATCH_ANCHORS:-$(cd "$ROOT/../shared/bench-anchors" 2>/dev/null && pwd || true)}
[[ -f "$ANCHORS/gen_workload.py" ]] || { echo "bench anchors not found; set BANDWATCH_ANCHORS" >&2; exit 2; }
NPM_DIR=${BANDWATCH_NPM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bandwatch/jre}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
WL=$WORK/wl
python3 "$ANCHORS/gen_workload.py" 1000 100 3 "$WL" >/dev/null
echo "workload: $(python3 -c "import json;d=json.load(open('$WL/expected.json'));print(d['samples'],'samples,',d['series'],'series, expected bands',d['bands'])")"

# 1. bandwatch eval: correctness first, then time.
best_wall=""
for run in 1 2 3; do
  start=$(date +%s.%N)
  "$BUILD/clients/bandwatch" eval --rules "$WL/rules.bw" --samples "$WL/samples.txt" --format summary --timing \
    >"$WORK/summary.json" 2>"$WORK/timing.txt"
  end=$(date +%s.%N)
  wall=$(python3 -c "print(f'{$end - $start:.3f}')")
  if [[ -z "$best_wall" ]] || python3 -c "import sys; sys.exit(0 if $wall < $best_wall else 1)"; then
    best_wall=$wall
    cp "$WORK/timing.txt" "$WORK/best_timing.txt"
  fi
done
python3 - "$WL/expected.json" "$WORK/summary.json" <<'EOF'
import json, sys
expected = json.load(open(sys.argv[1]))["bands"]
got = json.load(open(sys.argv[2]))["bands"]
mismatch = {k: (expected[k], got.get(k)) for k in expected if expected[k] != got.get(k)}
if mismatch or got.get("unbanded") or got.get("small_cohort"):
    print("BAND COUNTS DISAGREE (expected, bandwatch):", mismatch, got)
    sys.exit(1)
print("bandwatch eval band counts agree with expected.json:", got)
EOF
eval_rate=$(sed -n 's/.*ingest+evaluate [0-9.]* s (\([0-9]*\) samples\/s).*/\1/p' "$WORK/best_timing.txt")
echo "bandwatch eval: whole command ${best_wall} s wall (best of 3); $(cat "$WORK/best_timing.txt")"

# 2. Google Benchmark: one core, CPU time.
bench_rate=""
if [[ -x "$BUILD/bench/engine_bench" ]]; then
  "$BUILD/bench/engine_bench" --benchmark_filter='BM_(Indicators|Rules)' --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true --benchmark_format=json >"$WORK/bench.json" 2>/dev/null
  bench_rate=$(python3 - "$WORK/bench.json" <<'EOF'
import json, sys
rows = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
for name, b in sorted(rows.items()):
    if name.endswith("_median"):
        print(f"  {name}: {b['items_per_second']/1e6:.2f} M samples/s (CPU), {b['cpu_time']:.0f} ms CPU / {b['real_time']:.0f} ms wall per 300k, "
              f"{b['bytes_per_series']:.0f} bytes/series, {b['events_per_run']:.0f} events", file=sys.stderr)
print(int(rows["BM_Indicators/process_time_median"]["items_per_second"]))
EOF
)
  echo "engine_bench (median of 3): $bench_rate samples/s on one core (indicators)"
fi

# 3. json-rules-engine.
if ! command -v node >/dev/null; then echo "node not found: skipping json-rules-engine" >&2; exit 0; fi
if [[ ! -d "$NPM_DIR/node_modules/json-rules-engine" ]]; then
  mkdir -p "$NPM_DIR"
  npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" json-rules-engine@7 >/dev/null
fi
NODE_PATH="$NPM_DIR/node_modules" node "$ANCHORS/jre_bench.js" "$WL" >"$WORK/jre.json"
cat "$WORK/jre.json"
python3 - "$WL/expected.json" "$WORK/jre.json" "$eval_rate" "${bench_rate:-0}" <<'EOF'
import json, sys
expected = json.load(open(sys.argv[1]))["bands"]
jre = json.load(open(sys.argv[2]))
if jre["bands"] != expected:
    print("json-rules-engine band counts disagree:", jre["bands"], "expected", expected); sys.exit(1)
eval_rate, bench_rate = int(sys.argv[3] or 0), int(sys.argv[4] or 0)
print(f"json-rules-engine: {jre['samples_per_s']:,} samples/s (band counts agree)")
print(f"ratio bandwatch eval (ingest+evaluate, wall) / json-rules-engine: {eval_rate / jre['samples_per_s']:.1f}x")
if bench_rate:
    print(f"ratio engine_bench (one core, CPU) / json-rules-engine:         {bench_rate / jre['samples_per_s']:.1f}x")
EOF
