#!/usr/bin/env bash
# Stores the same realistic dataset (datagen/dataset.h) in tidemark and in VictoriaMetrics
# (Debian package victoria-metrics, started here on loopback) and prints the bytes per sample
# each uses on disk, data and index. Used for docs/benchmarks.md.
#   scripts/compare-vm.sh            # 10,000 series x 360 scrapes, +-5 ms jitter
#   SERIES=10000 HOURS=1.5 JITTER=0 scripts/compare-vm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SERIES=${SERIES:-10000}
HOURS=${HOURS:-1.5}
JITTER=${JITTER:-5}
BIN=${BIN:-build/server/tidemark}
VM=${VM:-/usr/bin/victoria-metrics}
[ -x "$VM" ] || apt-get install -y -qq victoria-metrics >/dev/null

work=$(mktemp -d /tmp/tidemark-compare-vm.XXXXXX)
vm_pid=""
cleanup() {
  if [ -n "$vm_pid" ]; then kill "$vm_pid" 2>/dev/null || true; wait "$vm_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$BIN" generate "$work/tidemark" --series "$SERIES" --hours "$HOURS" --jitter-ms "$JITTER" --text-out "$work/samples.txt"
samples=$(wc -l < "$work/samples.txt")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$VM" -storageDataPath="$work/vm" -httpListenAddr="127.0.0.1:$port" -retentionPeriod=10y \
  -loggerLevel=ERROR >"$work/vm.log" 2>&1 &
vm_pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.2
done
curl -sf --data-binary @"$work/samples.txt" "http://127.0.0.1:$port/api/v1/import/prometheus"
curl -sf "http://127.0.0.1:$port/internal/force_flush"
sleep 2
partition=$(date -u +%Y_%m)
curl -sf "http://127.0.0.1:$port/internal/force_merge?partition_prefix=$partition" || true
sleep 10
vm_count=$(curl -sf "http://127.0.0.1:$port/api/v1/query" --data-urlencode 'query=sum(count_over_time({__name__=~".+"}[1d]))' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')
kill "$vm_pid"; wait "$vm_pid" 2>/dev/null || true; vm_pid=""

vm_data=$(du -sb "$work/vm/data" | cut -f1)
vm_index=$(du -sb "$work/vm/indexdb" | cut -f1)
td_all=$(du -sb "$work/tidemark" | cut -f1)
td_segments=$("$BIN" inspect "$work/tidemark" | sed -n 's/^Segment files (zstd): \([0-9]*\) bytes.*/\1/p')

python3 - "$samples" "$vm_count" "$vm_data" "$vm_index" "$td_segments" "$td_all" <<'PY'
import sys
samples, vm_count, vm_data, vm_index, td_seg, td_all = map(float, sys.argv[1:])
print(f"samples written: {int(samples)} (VictoriaMetrics counts {int(vm_count)})")
print(f"{'engine':<18}{'data B/sample':>15}{'data+index B/sample':>22}")
print(f"{'VictoriaMetrics':<18}{vm_data/samples:>15.3f}{(vm_data+vm_index)/samples:>22.3f}")
print(f"{'tidemark':<18}{td_seg/samples:>15.3f}{td_all/samples:>22.3f}")
print(f"tidemark / VictoriaMetrics, data+index: {td_all/(vm_data+vm_index):.2f}")
PY
