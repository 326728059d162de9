#!/usr/bin/env bash
# remote_write, 10,000 series x 360 samples, 1,000 series per request, 4 connections, against
# the server under each sync setting (two runs each). Results go to stdout; docs/benchmarks.md
# records them.
set -euo pipefail
cd "$(dirname "$0")/.."
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for setting in "group_commit 0s" "group_commit 5ms" "every_commit 0s" "none 0s"; do
  set -- $setting
  for rep in 1 2; do
    dir=$(mktemp -d /tmp/tidemark-commit-bench.XXXXXX)
    http=$(free_port); grpc=$(free_port); otlp=$(free_port)
    printf 'self_scrape_interval: 0s\nstorage:\n  sync: %s\n  group_commit_interval: %s\n' "$1" "$2" > "$dir.yaml"
    build/server/tidemark serve --config "$dir.yaml" --data-dir "$dir" --http-addr 127.0.0.1:$http \
      --otlp-grpc-addr 127.0.0.1:$grpc --otlp-http-addr 127.0.0.1:$otlp > /dev/null 2> "$dir.log" &
    pid=$!
    for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$http/-/ready >/dev/null && break; sleep 0.1; done
    echo "== sync=$1 group_commit_interval=$2 run $rep"
    build/benchmarks/tidemark-bench run --quiet --protocol remote_write --target 127.0.0.1:$http \
      --connections 4 --series 10000 --scrapes 360 --series-per-request 1000 --server-pid $pid 2>&1 |
      tail -9 || true  # a run with refused requests still reports
    kill -TERM $pid; wait $pid || true
    rm -rf "$dir" "$dir.yaml" "$dir.log"
  done
done
