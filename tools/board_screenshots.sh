#!/usr/bin/env bash
# Refreshes docs/board-desktop.png and docs/board-phone.png: bandwatchd with --http on the
# end-to-end rules, three fortnights of caseloads (alerts new, escalated, resolved), an
# acknowledgement made with `bandwatch ack`, then the browser test's script (Selenium, Chromium)
# signs in as a chair, watches the fourth fortnight's alert arrive and acknowledges it, and saves
# the page at desktop and phone sizes. Needs a build (build/).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/clients/bandwatch
work=$(mktemp -d)
trap 'kill "${daemon_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'meeting-room-2\n' | "$bin" passwd dcs --accounts "$work/accounts.json" --name "Sarah Okafor (DCS)" --role '*=chair' >/dev/null
build/daemon/bandwatchd --rules tests/e2e/testdata/rules.bw --state-dir "$work/state" --sync normal \
  --ingest 'tcp://127.0.0.1:*' --publish 'tcp://127.0.0.1:*' --control 'tcp://127.0.0.1:*' \
  --http 127.0.0.1:0 --http-accounts "$work/accounts.json" --log-level error &
daemon_pid=$!
for _ in $(seq 100); do [ -s "$work/state/endpoints.json" ] && break; sleep 0.1; done
endpoint() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/state/endpoints.json" "$1"; }
ingest=$(endpoint ingest) control=$(endpoint control) http=$(endpoint http)
cat >"$work/history.txt" <<'SAMPLES'
caseload{worker="W0412",team="Hunts Children's Team 1"} 22 2020-02-04
caseload{worker="W0388",team="Hunts Children's Team 2"} 25 2020-02-04
caseload{worker="W0519",team="Fenland Children's Team"} 21 2020-02-04
unallocated_cases{team="Hunts Children's Team 2"} 3 2020-02-04
icpc_timeliness 80% 2020-02-04
caseload{worker="W0412",team="Hunts Children's Team 1"} 23 2020-02-18
caseload{worker="W0388",team="Hunts Children's Team 2"} 19 2020-02-18
caseload{worker="W0519",team="Fenland Children's Team"} 24 2020-02-18
unallocated_cases{team="Hunts Children's Team 2"} 5 2020-02-18
icpc_timeliness 86% 2020-02-18
caseload{worker="W0412",team="Hunts Children's Team 1"} 24 2020-03-03
caseload{worker="W0519",team="Fenland Children's Team"} 25 2020-03-03
unallocated_cases{team="Hunts Children's Team 2"} 0 2020-03-03
unallocated_cases{team="Fenland Children's Team"} 2 2020-03-03
icpc_timeliness 83% 2020-03-03
SAMPLES
"$bin" send --to "$ingest" --close "$work/history.txt" >/dev/null
id=$("$bin" snapshot --control "$control" --format json |
  python3 -c 'import json,sys; print(next(a["id"] for a in json.load(sys.stdin)["alerts"] if a["labels"].get("worker")=="W0519"))')
"$bin" ack --control "$control" "$id" --by "Tom Reid (TM Fenland)" --note "Two cases moving to the new starter" --review 2020-03-17 >/dev/null
cat >"$work/arrives.txt" <<'SAMPLES'
caseload{worker="W0412",team="Hunts Children's Team 1"} 24 2020-03-17
caseload{worker="W0519",team="Fenland Children's Team"} 22 2020-03-17
caseload{worker="W0733",team="Hunts Children's Team 2"} 22 2020-03-17
unallocated_cases{team="Fenland Children's Team"} 1 2020-03-17
icpc_timeliness 88% 2020-03-17
SAMPLES
/usr/bin/python3 tests/e2e/browser/board_browser.py "http://$http" "$bin" "$ingest" "$work/arrives.txt" dcs meeting-room-2 docs "W0733"
echo "wrote docs/board-desktop.png and docs/board-phone.png"
