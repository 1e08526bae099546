#!/usr/bin/env bash
# Writes the example meeting pack (Stockton-on-Tees, quarter 2 of 2016/17: the seed report's
# Tables 1-5 with a made-up history, workforce and allocation returns, children's plans and
# budgets) from files, without the daemon: build/meeting-pack.html, .md and, when Chromium is
# installed, .pdf. With --screenshot it also refreshes docs/report-example.png for the README.
# Expects a built tree (tools/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bandwatch=${BANDWATCH:-build/clients/bandwatch}
inputs=(--rules examples/stockton_2016.bw examples/routes.bw examples/extracts.bw
        --samples examples/meeting_pack/stockton_2016_q2.samples
        --acknowledgements examples/meeting_pack/acknowledgements.json
        --title "Stockton-on-Tees children's services: meeting pack")

"$bandwatch" report "${inputs[@]}" --format html --out build/meeting-pack.html
"$bandwatch" report "${inputs[@]}" --format markdown --out build/meeting-pack.md 2>/dev/null
if command -v chromium >/dev/null; then
  "$bandwatch" report "${inputs[@]}" --format pdf --out build/meeting-pack.pdf 2>/dev/null
fi

if [[ "${1:-}" == "--screenshot" ]]; then
  profile=$(mktemp -d)
  trap 'rm -rf "$profile"' EXIT
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1100,4880 \
    --screenshot="$PWD/docs/report-example.png" "file://$PWD/build/meeting-pack.html" >/dev/null 2>&1
  echo "wrote docs/report-example.png"
fi
echo "The meeting pack is in build/meeting-pack.html (also .md$([[ -f build/meeting-pack.pdf ]] && echo ' and .pdf'))."
