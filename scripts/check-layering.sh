#!/usr/bin/env bash
# Checks the layering of docs/architecture.md on the #include lines of every folder:
#
#   server -> ingest, query -> storage -> util;  include/tidemark/ and datagen/ on the public API.
#
#   scripts/check-layering.sh [ROOT]      # ROOT defaults to the repository of this script
#   scripts/check-layering.sh --self-test # checks that the rules catch what they should
#
# Prints one line per forbidden include (file:line: what and why) and exits 1 if there is any.
# Run by CTest (test `layering`), so `make test` and CI run it.
set -euo pipefail

# query/ runs on the storage interfaces only: these headers are the interfaces. Nothing else of
# storage/ may be included from query/.
QUERY_STORAGE_INTERFACES='^storage/api/'

# Includes of storage/ internals from query/ that exist today and are allowed until the seam
# (issue 9, "Read interfaces") replaces them: "query/file.cc storage/header.h" per line. Each one
# is printed as a TODO on every run. Keep this list shrinking; never add to it.
QUERY_STORAGE_TODO=(
)

# Third-party headers (<...>) that are not the C++ standard library or the C/POSIX system headers.
THIRD_PARTY='^(absl|rocksdb|re2|google|grpc|grpcpp|boost|CLI|yaml-cpp|rapidjson|benchmark|gtest|gmock|opentelemetry|prometheus)/|^(zstd|snappy|zlib|jemalloc)\.h$'

violations=0
todos=0

violation() {  # file line include reason
  echo "$1:$2: includes \"$3\": $4"
  violations=$((violations + 1))
}

# Prints "file<TAB>line<TAB>kind<TAB>path" for every #include under folder $1, kind being q for
# "..." and a for <...>.
includes_of() {
  local dir=$1
  [[ -d $dir ]] || return 0
  find "$dir" -type f \( -name '*.h' -o -name '*.cc' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.inc' \) \
    -print0 | sort -z | xargs -0 -r grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' /dev/null |
    sed -E 's/^([^:]+):([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1\t\2\tq\t\3/;
            s/^([^:]+):([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*<([^>]*)>.*/\1\t\2\ta\t\3/'
}

is_todo() {  # file include
  local entry
  for entry in "${QUERY_STORAGE_TODO[@]+"${QUERY_STORAGE_TODO[@]}"}"; do
    [[ $entry == "$1 $2" ]] && return 0
  done
  return 1
}

# check FOLDER ONLY_REGEX DENY_REGEX REASON [ANGLE_RULE]
#   quoted includes must match ONLY_REGEX (if not empty) and must not match DENY_REGEX;
#   ANGLE_RULE: "std" (standard library only), "nothird" (no third-party headers) or empty.
check() {
  local folder=$1 only=$2 deny=$3 reason=$4 angle=${5:-}
  local file line kind path
  while IFS=$'\t' read -r file line kind path; do
    file=${file#./}
    if [[ $kind == q ]]; then
      if [[ $folder == query && $path == storage/* ]] && ! [[ $path =~ $QUERY_STORAGE_INTERFACES ]]; then
        if is_todo "$file" "$path"; then
          echo "TODO $file:$line: includes \"$path\", a storage internal: move it behind the storage interfaces"
          todos=$((todos + 1))
        else
          violation "$file" "$line" "$path" "query/ uses the storage interfaces ($QUERY_STORAGE_INTERFACES) only"
        fi
        continue
      fi
      if [[ -n $only ]] && ! [[ $path =~ $only ]]; then
        violation "$file" "$line" "$path" "$reason"
      elif [[ -n $deny ]] && [[ $path =~ $deny ]]; then
        violation "$file" "$line" "$path" "$reason"
      fi
    else
      case $angle in
        std) if ! [[ $path =~ ^[a-z_0-9]+$ ]]; then violation "$file" "$line" "<$path>" "$reason"; fi ;;
        nothird) if [[ $path =~ $THIRD_PARTY ]]; then violation "$file" "$line" "<$path>" "$reason"; fi ;;
      esac
    fi
  done < <(includes_of "$folder")
}

run_checks() {
  check include/tidemark '^tidemark/' '' \
    "the public headers use the C++ standard library and include/tidemark/ only" std
  # util/ may see the public headers: it implements tidemark::Status, and they are std only.
  check util '^(util|tidemark)/' '' "util/ uses the standard library only" nothird
  check storage '' '^(query|ingest|server|benchmarks|datagen|tests)/' \
    "storage/ knows nothing of the layers above it"
  check query '' '^(ingest|server|benchmarks|datagen|tests)/' \
    "query/ stands on the storage interfaces, beside ingest/"
  check ingest '' '^(query|server|benchmarks|datagen|tests)/' \
    "ingest/ feeds the storage appender, beside query/"
  check datagen '^(datagen|tidemark)/' '' "datagen/ uses the public API only"
  check server '' '^(benchmarks|tests)/' "server/ never depends on benchmarks/ or tests/"
}

self_test() {
  local tmp
  tmp=$(mktemp -d)
  trap "rm -rf '$tmp'" EXIT
  mkdir -p "$tmp"/{include/tidemark,util,storage,query,ingest,datagen,server}
  printf '#include <string>\n#include "tidemark/status.h"\n' > "$tmp/include/tidemark/ok.h"
  printf '#include "util/coding.h"\n#include <cpuid.h>\n' > "$tmp/util/ok.cc"
  printf '#include "storage/wal.h"\n#include "util/coding.h"\n' > "$tmp/storage/ok.cc"
  printf '#include "storage/api/querier.h"\n' > "$tmp/query/ok.cc"
  printf '#include "datagen/dataset.h"\n#include "query/engine.h"\n' > "$tmp/server/ok.cc"
  local out
  out=$(cd "$tmp" && run_checks; echo "violations=$violations")
  if [[ $out != "violations=0" ]]; then
    echo "self-test: a clean tree was refused:"; echo "$out"; return 1
  fi
  local bad=(
    'include/tidemark/bad.h:#include <rocksdb/db.h>'
    'include/tidemark/bad.h:#include "util/coding.h"'
    'util/bad.cc:#include "storage/wal.h"'
    'util/bad.cc:#include <absl/hash/hash.h>'
    'storage/bad.cc:  #  include "query/engine.h"'
    'storage/bad.h:#include "server/log.h"'
    'query/bad.cc:#include "storage/db_engine.h"'
    'query/bad.cc:#include "ingest/remote_write.h"'
    'ingest/bad.cc:#include "query/parser.h"'
    'datagen/bad.cc:#include "storage/labels.h"'
    'server/bad.cc:#include "benchmarks/dataset.h"'
    'server/bad.cc:#include "tests/util.h"'
  )
  local case file text
  for case in "${bad[@]}"; do
    file=${case%%:*}
    text=${case#*:}
    echo "$text" > "$tmp/$file"
    out=$(cd "$tmp" && run_checks; echo "violations=$violations")
    if [[ $out == *"violations=0" ]]; then
      echo "self-test: not caught: $file: $text"; return 1
    fi
    rm "$tmp/$file"
  done
  echo "self-test: ${#bad[@]} forbidden includes caught, the clean tree accepted"
}

if [[ ${1:-} == --self-test ]]; then
  self_test
  exit
fi
cd "${1:-$(dirname "$0")/..}"
run_checks
if ((todos > 0)); then
  echo "$todos include(s) of storage internals from query/ are allowed for now (TODO above)"
fi
if ((violations > 0)); then
  echo "$violations forbidden include(s): the layers are in docs/architecture.md"
  exit 1
fi
echo "layering ok"
