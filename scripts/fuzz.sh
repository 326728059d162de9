#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz/) for SECONDS each, one after the other, on its seed
# corpus plus what earlier runs found (BUILD_DIR/corpus/<target>/). Crashes go to
# BUILD_DIR/crashes/; a summary line per target (executions, coverage, result) goes to
# BUILD_DIR/fuzz-runs.log. Usage: scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]
# With FUZZ_CLOCK=cpu, SECONDS counts the fuzzer's CPU time (user + system) rather than wall
# time, so a run under `nice` on a busy machine still fuzzes for the CPU-minutes asked.
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
# With autogroup scheduling (sched_autogroup_enabled, on by default in Debian's kernels), a nice
# value counts only against processes of the same session: a run started with `setsid nice -n 19`
# would still take a whole core from everything else. The session gets the script's nice value.
if [ -w /proc/self/autogroup ]; then
  echo "$(nice)" >/proc/self/autogroup 2>/dev/null || true
fi
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$build_dir/corpus/$t"
  log="$build_dir/logs/$t.log"
  echo "fuzz: $t for ${seconds}s (log $log)"
  start=$(date +%s)
  wall_limit=$seconds
  timeout=10
  # Niced beside other work, a fuzzer can wait seconds for a core: libFuzzer's per-input timeout
  # counts wall time, so it is raised to keep it from firing on inputs that were only waiting.
  # Beside other work the fuzzer also runs as SCHED_IDLE (chrt, util-linux): a nice value still
  # lets it hold a core for tens of milliseconds while a woken thread of other work waits.
  idle=()
  if [ "${FUZZ_CLOCK:-wall}" = cpu ]; then
    wall_limit=$((seconds * 20))
    timeout=60
    if command -v chrt >/dev/null; then idle=(chrt --idle 0); fi
  fi
  "${idle[@]}" "$build_dir/tests/fuzz/fuzz_$t" -max_total_time="$wall_limit" -timeout="$timeout" -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build_dir/crashes/$t-" \
    "$build_dir/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1 &
  pid=$!
  cpu=0
  if [ "${FUZZ_CLOCK:-wall}" = cpu ]; then
    ticks=$(getconf CLK_TCK)
    while kill -0 "$pid" 2>/dev/null; do
      # Fields 14 and 15 of /proc/PID/stat: user and system time in clock ticks.
      stat=$(cat "/proc/$pid/stat" 2>/dev/null) || break
      cpu=$(echo "$stat" | sed 's/.*) //' | awk -v t="$ticks" '{ print int(($12 + $13) / t) }')
      if [ "$cpu" -ge "$seconds" ]; then
        kill -INT "$pid"
        break
      fi
      sleep 5
    done
  fi
  wait "$pid"
  rc=$?
  # SIGINT at the CPU budget is the planned end of the run (libFuzzer exits 130 or 72 on it).
  if [ "${FUZZ_CLOCK:-wall}" = cpu ] && [ "$cpu" -ge "$seconds" ] && { [ $rc -eq 130 ] || [ $rc -eq 72 ] || [ $rc -eq 0 ]; }; then
    rc=0
  fi
  elapsed=$(($(date +%s) - start))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  result=ok
  if [ $rc -ne 0 ]; then result="FAILED rc=$rc"; failed=1; fi
  line="$(date -u +%FT%TZ) $t seconds=$elapsed cpu_seconds=$cpu execs=${execs:-?} ${cov:-cov: ?} $result"
  echo "$line" | tee -a "$build_dir/fuzz-runs.log"
done
exit $failed
