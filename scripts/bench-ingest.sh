#!/usr/bin/env bash
# End-to-end ingestion benchmark: starts `tidemark serve` on loopback ports and drives it with
# tidemark-bench for each protocol and signal (client on the same machine, requests encoded
# first).
# Results go to stdout; docs/benchmarks.md records them.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/server/tidemark}
LOAD=${LOAD:-build/benchmarks/tidemark-bench}
CONNECTIONS=${CONNECTIONS:-4}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for run in ${RUNS:-remote_write:node otlp_grpc:node otlp_http:node otlp_grpc:traces otlp_http:traces}; do
  protocol=${run%%:*}; workload=${run##*:}
  dir=$(mktemp -d /tmp/tidemark-ingest-bench.XXXXXX)
  http=$(free_port); grpc=$(free_port); otlp=$(free_port)
  printf 'self_scrape_interval: 0\n' > "$dir.yaml"
  "$BIN" serve --config "$dir.yaml" --data-dir "$dir" --http-addr 127.0.0.1:$http --otlp-grpc-addr 127.0.0.1:$grpc \
    --otlp-http-addr 127.0.0.1:$otlp 2> "$dir.log" &
  pid=$!
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$http/-/ready >/dev/null && break; sleep 0.1; done
  case $protocol in
    remote_write) target=127.0.0.1:$http ;;
    otlp_grpc) target=127.0.0.1:$grpc ;;
    otlp_http) target=127.0.0.1:$otlp ;;
  esac
  # 300,000 traces (about 2 million spans): long enough that segment writing, not the buffer,
  # bounds the rate.
  "$LOAD" run --quiet --workload "$workload" --protocol "$protocol" --target "$target" \
    --connections "$CONNECTIONS" --server-pid $pid --series "${SERIES:-10000}" \
    --scrapes "${SCRAPES:-360}" --traces "${TRACES:-300000}" || true
  kill -TERM $pid; wait $pid || true
  rm -rf "$dir" "$dir.yaml" "$dir.log"
done
