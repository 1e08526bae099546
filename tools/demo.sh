#!/usr/bin/env bash
# The demo: installs what is needed, builds, checks the example rules, starts bandwatchd on
# loopback with them, sends the example extracts in as the data team would (three fortnightly
# extracts of the Annex A lists, the seed reports' tables, and a generated SSDA903 return and CIN
# census for 2023-24), shows the alerts as a meeting sees them with `bandwatch watch`, and writes
# the meeting pack.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
bash tools/build.sh

bin=build/clients/bandwatch
daemon=build/daemon/bandwatchd
demo=build/demo
rm -rf "$demo" && mkdir -p "$demo"
ingest=tcp://127.0.0.1:7610 publish=tcp://127.0.0.1:7611 control=tcp://127.0.0.1:7612

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Real extracts are messy: `import` reports each bad row and exits 4 having sent the good ones.
import_list() {
  local status=0
  "$bin" import --rules examples --to "$ingest" "$@" >"$demo/import.out" 2>&1 || status=$?
  sed 's/^/  /' "$demo/import.out"
  [ "$status" -eq 0 ] || [ "$status" -eq 4 ]
}

step "Rule authors: bandwatch check examples/ (the one warnings file shows the seed's own band gaps)"
"$bin" check --quiet examples/ 2>&1 | tail -n 1

step "Operator: a mail relay for the demo (an SMTP sink on loopback keeping each mail as JSON)"
python3 tests/e2e/fixtures/smtp_sink.py --dir "$demo/mails" --port-file "$demo/smtp.port" >"$demo/smtp.log" 2>&1 &
smtp_pid=$!
trap 'kill "$smtp_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$demo/smtp.port" ] && break; sleep 0.1; done
echo "  mails to the routes' members go to smtp://127.0.0.1:$(cat "$demo/smtp.port"), kept in $demo/mails/"

step "Operator: an account for the live board (bandwatch passwd; Argon2id hashes in a 0600 file)"
rm -f "$demo/accounts.json"
printf 'demo-chair-1\n' | "$bin" passwd chair --accounts "$demo/accounts.json" --name "Demo Chair" --role '*=chair' | sed 's/^/  /'

step "Operator: bandwatchd on loopback with the example rules, the mail relay and the live board"
rm -f "$demo/state/endpoints.json"
"$daemon" --rules examples --state-dir "$demo/state" --ingest "$ingest" --publish "$publish" \
  --control "$control" --log-file "$demo/bandwatchd.log" --log-level error \
  --smtp-url "smtp://127.0.0.1:$(cat "$demo/smtp.port")" --smtp-from bandwatch@council.example \
  --http "${BANDWATCH_DEMO_HTTP:-127.0.0.1:0}" --http-accounts "$demo/accounts.json" &
daemon_pid=$!
trap 'kill "${watch_pid:-}" "$daemon_pid" "$smtp_pid" 2>/dev/null || true' EXIT
"$bin" status --control "$control" --retries 10
for _ in $(seq 100); do [ -s "$demo/state/endpoints.json" ] && break; sleep 0.1; done
board="http://$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$demo/state/endpoints.json")"
echo "  live board: $board/ (open it now to watch the alerts arrive; sign in as chair / demo-chair-1 to acknowledge)"

step "Meetings: bandwatch watch (snapshot on join, then the live feed)"
"$bin" watch --from "$publish" --control "$control" > >(tee "$demo/watch.log") &
watch_pid=$!
# The watcher says when it has taken its snapshot and subscribed; nothing is sent before that.
for _ in $(seq 100); do grep -q following "$demo/watch.log" 2>/dev/null && break; sleep 0.1; done

step "Data team: the seed reports' tables (Stockton 2016, Cambridgeshire 2020), in date order"
"$bin" send --to "$ingest" examples/samples/*.txt | sed 's/^/  /'

step "Data team: three fortnightly extracts of Annex A lists 6-9 and the workforce list"
for as_of in 2020-02-04 2020-02-18 2020-03-03; do
  for list in 6 7 8 9; do
    import_list --extract "annex_a_list$list" --as-of "$as_of" "examples/extracts/list$list.csv"
  done
  import_list --extract workforce --as-of "$as_of" examples/extracts/workforce.csv
  # The date's lists add up; closing it decides its alerts, all at once.
  "$bin" close --control "$control" | sed 's/^/  /'
done

step "Data team: the 2023-24 SSDA903 return and CIN census (generated, 600 children each, seed 1: about 3% held back by the data-quality gate)"
python3 tools/gen_returns.py ssda903 --children 600 --year 2024 --seed 1 --out "$demo/ssda903_2024"
python3 tools/gen_returns.py cin --children 600 --year 2024 --seed 1 --out "$demo/cin_2024"
import_list --return ssda903 --year 2024 "$demo/ssda903_2024"
import_list --return cin --year 2024 --close "$demo/cin_2024/cin_census.xml"

# Wait until the watcher has printed the daemon's last event (its sequence number), then stop it.
last=$("$bin" status --control "$control" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["sequence"])')
for _ in $(seq 100); do grep -q "#$last " "$demo/watch.log" && break; sleep 0.1; done
kill "$watch_pid" 2>/dev/null || true

step "Workload Pressures meeting: what is open now"
"$bin" snapshot --control "$control" | head -n 30

step "The meeting pack"
"$bin" report --control "$control" --format html --out "$demo/meeting-pack.html"
"$bin" report --control "$control" --format markdown --out "$demo/meeting-pack.md"
echo "Meeting pack written to $demo/meeting-pack.html (and .md); open it in a browser."

step "Members: the mails bandwatchd sent (red alerts at once; the digest on demand)"
"$bin" notify --control "$control" --route workload_pressures --digest | sed 's/^/  /'
for _ in $(seq 100); do
  "$bin" status --control "$control" --format json |
    python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["notifications"]["pending"] > 0)' && break
  sleep 0.1
done
"$bin" status --control "$control" | grep -A5 '^notifications:' | sed 's/^/  /'
for mail in "$demo"/mails/mail-*.json; do
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("  %s  to %s: %s" % (sys.argv[1].rsplit("/",1)[1], ", ".join(m["rcpt_tos"]), m["subject"]))' "$mail"
done
echo "Mails are in $demo/mails/ (each as JSON: envelope, subject, text and HTML parts)."

step "The live board"
echo "  $board/  (forums: $board/route/workload_pressures, ...; sign in as chair / demo-chair-1)"
if [ -t 0 ]; then
  read -r -p "  The daemon keeps serving the board until you press Enter. " _ || true
fi
