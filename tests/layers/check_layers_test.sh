#!/usr/bin/env bash
# tools/check_layers.sh, the layer check CI runs: it must fail on a tree that breaks every rule
# once (testdata/bad, with its exact findings in bad.expect) and pass on the repository.
#
#   check_layers_test.sh REPOSITORY
set -uo pipefail
repo=$1
here=$(cd "$(dirname "$0")" && pwd)
failed=0

output=$("$repo/tools/check_layers.sh" "$here/testdata/bad")
status=$?
if [[ $status -ne 1 ]]; then
  echo "FAIL: the bad fixture exited $status, not 1"
  failed=1
fi
if ! diff -u "$here/testdata/bad.expect" <(printf '%s\n' "$output"); then
  echo "FAIL: the bad fixture's findings differ from bad.expect (above)"
  failed=1
fi

output=$("$repo/tools/check_layers.sh" "$repo")
status=$?
echo "$output"
if [[ $status -ne 0 ]]; then
  echo "FAIL: the repository breaks its layers (exit $status)"
  failed=1
fi
# The repository's own check must have looked at its sources, not an empty tree.
if ! [[ "$output" =~ ^([0-9]+)\ files,\ [0-9]+\ includes:\ none\ crosses\ a\ layer\ the\ wrong\ way$ ]] ||
   ((BASH_REMATCH[1] < 90)); then
  echo "FAIL: expected '<at least 90> files, N includes: none crosses a layer the wrong way'"
  failed=1
fi
exit $failed
