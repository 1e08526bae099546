#!/bin/sh
# bandwatchd end to end beside bare ZeroMQ, in one run on this machine:
#   1. the transport ceiling: ../shared/bench-anchors/zmq_pushpull.cpp, compiled here (not copied)
#   2. the shared workload (gen_workload.py 1000 100 3: 300,000 samples) through the real daemon:
#      several `bandwatch send`-style clients -> ingest -> engine -> SQLite commit -> PUB ->
#      a subscriber, over loopback TCP, five times on fresh daemons (the median counts: this
#      machine's speed varies from run to run); then the sample-to-alert latency at half that rate
# and prints our samples/s as a fraction of ZeroMQ's batched samples/s.
#
# usage: bench/daemon_bench.sh [BUILD_DIR] [ANCHORS_DIR] [daemon_bench options...]
#   BUILD_DIR    default: build (needs targets bandwatchd and daemon_bench)
#   ANCHORS_DIR  default: ../shared/bench-anchors next to the repository
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
anchors=${2:-$here/../shared/bench-anchors}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
for f in "$build/daemon/bandwatchd" "$build/bench/daemon_bench" "$anchors/zmq_pushpull.cpp" "$anchors/gen_workload.py"; do
  [ -e "$f" ] || { echo "daemon_bench.sh: missing $f" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

g++ -O2 -std=c++20 "$anchors/zmq_pushpull.cpp" -o "$work/zmq_pushpull" -lzmq -lpthread
python3 "$anchors/gen_workload.py" 1000 100 3 "$work/wl" > /dev/null

"$work/zmq_pushpull" > "$work/anchor.json"
"$build/bench/daemon_bench" --bandwatchd "$build/daemon/bandwatchd" --workload "$work/wl" "$@" > "$work/daemon.json"

python3 - "$work/anchor.json" "$work/daemon.json" <<'PY'
import json, sys
anchor = json.load(open(sys.argv[1]))
daemon = json.load(open(sys.argv[2]))
peak, latency = daemon["peak"], daemon["latency"]
fraction = peak["samples_per_s"] / anchor["batched_samples_per_s"]
print(json.dumps({"zmq_pushpull": anchor, "bandwatchd": daemon,
                  "fraction_of_zmq_batched": fraction}))
print(f"bare ZeroMQ PUSH/PULL: {anchor['single_msgs_per_s']:,.0f} one-line msgs/s; "
      f"{anchor['batched_samples_per_s']:,.0f} samples/s batched 1000 a message", file=sys.stderr)
runs = ", ".join(f"{r:,.0f}" for r in sorted(peak["runs_samples_per_s"]))
threads = ", ".join(f"{name.split(':', 1)[1]} {seconds:.2f}" for name, seconds in peak["daemon_thread_cpu_seconds"].items() if seconds > 0)
print(f"bandwatchd end to end: {peak['samples_per_s']:,.0f} samples/s (median of {runs}) "
      f"({peak['samples']:,} samples in {peak['batches']} batches of {peak['batch_lines']} lines from "
      f"{peak['clients']} clients, {peak['events_received']:,} events received) = "
      f"{fraction:.1%} of ZeroMQ batched; the daemon used {peak['daemon_cpu_seconds']:.2f} CPU s: "
      f"{peak['samples_per_daemon_cpu_s']:,.0f} samples per daemon CPU second (threads: {threads}; "
      f"the clients and subscriber used {peak['bench_cpu_seconds']:.2f} CPU s)", file=sys.stderr)
print(f"sample -> alert at {latency['target_samples_per_s']:,.0f} samples/s in batches of "
      f"{latency['batch_samples']:.0f}: p50 {latency['p50_us']:.0f} us, p99 {latency['p99_us']:.0f} us "
      f"({latency['alerts_matched']} alerts)", file=sys.stderr)
PY
