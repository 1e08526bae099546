#!/usr/bin/env bash
# Runs a command and checks both its exit status and its output, for CTest tests of whole
# commands (PASS_REGULAR_EXPRESSION alone ignores the exit status, and a pattern such as
# "[0-9]+ passed" also matches "0 passed").
#
#   run_and_expect.sh STATUS LINE... -- COMMAND ARGS...
#
# Passes when COMMAND exits with STATUS and each LINE is, exactly, a whole line of its output
# (stdout and stderr together). Prints what differs otherwise.
set -uo pipefail
expected_status=$1
shift
lines=()
while (($# > 0)) && [[ "$1" != "--" ]]; do
  lines+=("$1")
  shift
done
[[ "${1:-}" == "--" ]] || { echo "usage: run_and_expect.sh STATUS LINE... -- COMMAND ARGS..." >&2; exit 2; }
shift
output=$("$@" 2>&1)
status=$?
failed=0
if [[ $status -ne $expected_status ]]; then
  echo "FAIL: exit status $status, expected $expected_status"
  failed=1
fi
for line in "${lines[@]}"; do
  if ! grep -Fxq -- "$line" <<<"$output"; then
    echo "FAIL: no line reads exactly: $line"
    failed=1
  fi
done
if ((failed)); then
  echo "---- output of: $*"
  echo "$output"
fi
exit $failed
