#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz/) for SECONDS each, one after the other, on its seed
# corpus plus what earlier runs found (BUILD_DIR/corpus/<target>/). Crashes go to
# BUILD_DIR/crashes/; a summary line per target (executions, coverage, result) goes to
# BUILD_DIR/fuzz-runs.log. Usage: scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:?build dir}
seconds=${2:?seconds}
shift 2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$build_dir"/tests/fuzz/fuzz_*; do
    name=$(basename "$f")
    [ "$name" = fuzz_make_seeds ] && continue
    targets+=("${name#fuzz_}")
  done
fi
mkdir -p "$build_dir/crashes" "$build_dir/logs"
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$build_dir/corpus/$t"
  log="$build_dir/logs/$t.log"
  echo "fuzz: $t for ${seconds}s (log $log)"
  start=$(date +%s)
  "$build_dir/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build_dir/crashes/$t-" \
    "$build_dir/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  elapsed=$(($(date +%s) - start))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  result=ok
  if [ $rc -ne 0 ]; then result="FAILED rc=$rc"; failed=1; fi
  line="$(date -u +%FT%TZ) $t seconds=$elapsed execs=${execs:-?} ${cov:-cov: ?} $result"
  echo "$line" | tee -a "$build_dir/fuzz-runs.log"
done
exit $failed
