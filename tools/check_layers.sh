#!/usr/bin/env bash
# Checks that every include in the libraries and programs goes down the layers, never up or
# sideways, and reaches another layer only through its public headers. Run by CTest
# (tests/layers) and so by CI; exits 1 and names each offending include when one does not.
#
#   tools/check_layers.sh [ROOT]     ROOT: the repository (default: this script's)
#
# The layers, lowest first: each folder's public include directory ("-": none, the folder is a
# program and all of it is internal) and the layers it may include. A layer always may include
# itself: its public headers by their public path, its internal headers by relative path.
#
# No library exports the repository root.
set -uo pipefail

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || { echo "check_layers: no such directory: $root" >&2; exit 2; }

#      layer           folder           public include dir        may include
table="rules           rules            rules/include             -
       engine          engine           engine/include            rules
       extract         extract          extract/include           rules
       loader          loader           loader/include            rules engine extract
       protocol        protocol         protocol/include          rules engine
       state           state            state/include             rules engine
       report          report           report/include            rules
       report_sources  report/sources   report/sources/include    rules engine protocol report
       daemon          daemon           -                         rules engine loader protocol state report report_sources
       clients         clients          clients/include           rules engine extract loader protocol state report report_sources"

declare -A folder_of include_dir_of allowed_of
layers=()
while read -r name folder include_dir allowed; do
  [[ -z "$name" ]] && continue
  layers+=("$name")
  folder_of[$name]=$folder
  include_dir_of[$name]=$include_dir
  allowed_of[$name]=" $allowed "
done <<<"$table"

# The layer a path belongs to: the longest folder that holds it ("" for none).
layer_of() {
  local path=$1 best="" best_length=0 name folder
  for name in "${layers[@]}"; do
    folder=${folder_of[$name]}
    if [[ "$path" == "$folder/"* && ${#folder} -gt $best_length ]]; then
      best=$name
      best_length=${#folder}
    fi
  done
  printf '%s' "$best"
}

# "a/b/../c/./d" -> "a/c/d", without touching the file system.
normalise() {
  local -a parts=() out=()
  local part
  IFS=/ read -r -a parts <<<"$1"
  for part in "${parts[@]}"; do
    case $part in
      "" | .) ;;
      ..) if ((${#out[@]} > 0)); then unset 'out[${#out[@]}-1]'; else out+=(..); fi ;;
      *) out+=("$part") ;;
    esac
  done
  local IFS=/
  printf '%s' "${out[*]}"
}

violations=0
files=0
includes=0
report() {
  echo "$1"
  violations=$((violations + 1))
}

# Sources: every C++ file of every layer, sorted so the output is stable.
mapfile -t sources < <(for name in "${layers[@]}"; do
                         [[ -d "${folder_of[$name]}" ]] && find "${folder_of[$name]}" -type f \
                           \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cpp.in' \)
                       done | sort -u)

for file in "${sources[@]}"; do
  from=$(layer_of "$file")
  files=$((files + 1))
  line_number=0
  while IFS= read -r line; do
    line_number=$((line_number + 1))
    [[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
    included=${BASH_REMATCH[1]}
    includes=$((includes + 1))
    where="$file:$line_number"

    # Beside the including file: an internal header of the same layer.
    relative=$(normalise "$(dirname "$file")/$included")
    if [[ -f "$relative" ]]; then
      to=$(layer_of "$relative")
      if [[ "$to" != "$from" ]]; then
        report "$where: \"$included\" reaches by relative path into ${to:-a folder outside the layers} ($relative); include a public header instead"
      fi
      continue
    fi

    # Through a public include directory.
    target=""
    for name in "${layers[@]}"; do
      dir=${include_dir_of[$name]}
      [[ "$dir" == "-" ]] && continue
      if [[ -f "$dir/$included" ]]; then target="$dir/$included"; break; fi
    done
    if [[ -z "$target" ]]; then
      if [[ -f "$included" ]]; then
        to=$(layer_of "$(normalise "$included")")
        report "$where: \"$included\" is internal to ${to:-no layer}: not a public header"
      else
        report "$where: \"$included\" is not found in any layer's public headers"
      fi
      continue
    fi
    to=$(layer_of "$target")
    if [[ "$to" != "$from" && "${allowed_of[$from]}" != *" $to "* ]]; then
      report "$where: $from may not include $to (\"$included\")"
    fi
  done <"$file"
done

# No library exports the repository root as its include directory.
for name in "${layers[@]}"; do
  cmake="${folder_of[$name]}/CMakeLists.txt"
  [[ -f "$cmake" ]] || continue
  while IFS=: read -r line_number text; do
    report "$cmake:$line_number: $name exports the repository root; export its include/ directory"
  done < <(grep -nE 'target_include_directories\([^)]*(PUBLIC|INTERFACE)[^)]*\$\{(PROJECT|CMAKE)_SOURCE_DIR\}[ )]' "$cmake")
done

if ((violations > 0)); then
  echo "$files files, $includes includes: $violations cross a layer the wrong way"
  exit 1
fi
echo "$files files, $includes includes: none crosses a layer the wrong way"
