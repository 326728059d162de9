#!/bin/bash
# Ingestion with and without the 10,000 rules (issue 11), each measurement in its own process.
#
#   scripts/bench-rules.sh [ROUNDS] [NICE...]      # defaults: 3 rounds, nice 0
#   BENCH=/tmp/old_rules_bench scripts/bench-rules.sh 3 0 10
#   REFS=0 scripts/bench-rules.sh 3                # writers add by labels, not by series ref
#
# The writers add each series' samples after its first by the ref it returned, as the server's
# receivers do (REFS=1, the default); REFS=0 looks every sample's series up by its labels, as an
# embedding program that keeps no refs does.
# BM_IngestWithRules registers rules:0 and rules:1 (each with refs:1 and refs:0); run in one
# process, the second run ingests into an engine already holding the first run's 60 million
# samples and starts behind. So every
# run here starts a fresh process with the same data, and rules:0 and rules:1 alternate, so that
# the machine's drift falls on both. Prints one line per pair (ingestion alone, with the rules,
# the change, the writers' CPU per sample alone and with the rules, and the rule groups'
# schedule), then the median change per nice value.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-build/benchmarks/tidemark_rules_bench}
ROUNDS=${1:-3}
REFS=${REFS:-1}
shift || true
NICES=("$@")
[ ${#NICES[@]} -eq 0 ] && NICES=(0)
[ -x "$BENCH" ] || { echo "bench-rules: $BENCH not built (make build)" >&2; exit 1; }

# The value of counter $2 in the benchmark's last output line $1.
counter() { sed -n "s/.*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" <<<"$1"; }
# samples_per_s as a plain number (Google Benchmark prints 2.1M).
rate() {
  local v
  v=$(counter "$1" samples_per_s)
  awk -v v="$v" 'BEGIN { m = 1; if (v ~ /M$/) m = 1e6; else if (v ~ /k$/) m = 1e3;
                         sub(/[Mk]$/, "", v); printf "%.0f", v * m }'
}
run() {
  TIDEMARK_BENCH_RULE_NICE=$1 "$BENCH" --benchmark_filter="IngestWithRules/rules:$2/refs:$REFS/" \
    2>&1 | tail -1
}

declare -A changes
printf '%-5s %-5s %12s %12s %8s %-15s %s\n' round nice alone with change "writer ns/sample" \
  "evaluations (missed), group p50/max ms"
for round in $(seq 1 "$ROUNDS"); do
  for nice in "${NICES[@]}"; do
    alone=$(run "$nice" 0)
    with=$(run "$nice" 1)
    a=$(rate "$alone")
    w=$(rate "$with")
    change=$(awk -v a="$a" -v w="$w" 'BEGIN { printf "%+.1f", (w - a) * 100 / a }')
    changes[$nice]="${changes[$nice]:-} $change"
    # The writers' CPU per sample, alone and with the rules: the rules have made each sample
    # cost the writers more, beside the CPU the rules take (docs/benchmarks.md, issue 11).
    cpu="$(counter "$alone" writer_cpu_ns_per_sample)/$(counter "$with" writer_cpu_ns_per_sample)"
    printf '%-5s %-5s %12s %12s %7s%% %-15s %s (%s), %s/%s\n' "$round" "$nice" "$a" "$w" \
      "$change" "$cpu" "$(counter "$with" group_evaluations)" \
      "$(counter "$with" group_evaluations_missed)" "$(counter "$with" group_p50_ms)" \
      "$(counter "$with" group_max_ms)"
  done
done
for nice in "${NICES[@]}"; do
  median=$(tr ' ' '\n' <<<"${changes[$nice]}" | grep -v '^$' | sort -g |
           awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                      else printf "%+.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  echo "nice $nice: median change ${median} % over $ROUNDS pairs (${changes[$nice]} )"
done
