#!/usr/bin/env python3
"""Trace reads over HTTP, end to end: latency of Tempo's and Jaeger's APIs on a running tidemark.

Usage: scripts/bench-trace-http.py BASE_URL STORE.json [REQUESTS [ONLY]]

STORE.json is what `TIDEMARK_BENCH_KEEP_DIR=DIR build/benchmarks/tidemark_trace_bench` writes
beside DIR (sampled trace ids and the searched hour); serve DIR with `tidemark serve --data-dir DIR`
and point BASE_URL at its HTTP port. Each request goes over one kept-alive connection, one after
the other; a line per request kind gives p50, p99 and max in milliseconds, and the response size.
ONLY runs just the kinds whose name contains it (to profile one, say).
Any status other than 200 stops the run with the body, so a failing server cannot look fast.
"""
import http.client
import json
import sys
import time
import urllib.parse


def percentile(sorted_ms, p):
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * p / 100))]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    base = urllib.parse.urlparse(sys.argv[1])
    store = json.load(open(sys.argv[2]))
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    only = sys.argv[4] if len(sys.argv) > 4 else ""
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=120)
    start_ns, end_ns = store["search_start_unix_nano"], store["search_end_unix_nano"]
    start_s, end_s = start_ns // 10**9, end_ns // 10**9
    start_us, end_us = start_ns // 1000, end_ns // 1000
    ids = store["trace_ids"]

    def tempo_search(q):
        return "/api/search?" + urllib.parse.urlencode(
            {"q": q, "start": start_s, "end": end_s, "limit": 20})

    def jaeger_search(params):
        params = dict(params, start=start_us, end=end_us, limit=20)
        return "/jaeger/api/traces?" + urllib.parse.urlencode(params)

    kinds = [
        ("Tempo trace by id (JSON)", lambda i: "/api/traces/" + ids[i % len(ids)], requests),
        ("Tempo v2 trace by id", lambda i: "/api/v2/traces/" + ids[i % len(ids)], requests),
        ("Jaeger trace by id", lambda i: "/jaeger/api/traces/" + ids[i % len(ids)], requests),
        ("TraceQL 0 { span.gen_ai.request.model != nil }",
         lambda i: tempo_search("{ span.gen_ai.request.model != nil }"), 50),
        ("TraceQL 1 checkout 5xx over 1s",
         lambda i: tempo_search('{ resource.service.name = "checkout" && '
                                'span.http.status_code >= 500 && duration > 1s }'), 20),
        ("TraceQL 2 { span.gen_ai.system != nil } >> { status = error }",
         lambda i: tempo_search("{ span.gen_ai.system != nil } >> { status = error }"), 20),
        ("Jaeger J0 rag-api error=true",
         lambda i: jaeger_search({"service": "rag-api", "tags": '{"error":"true"}'}), 50),
        ("Jaeger J1 rag.pipeline minDuration=2s",
         lambda i: jaeger_search({"service": "rag-api", "operation": "rag.pipeline",
                                  "minDuration": "2s"}), 50),
    ]
    print(f"{store['stored_spans']:,} stored spans, {len(ids)} sampled trace ids, "
          f"searches over [{start_s}, {end_s}]")
    for name, target, count in kinds:
        if only not in name:
            continue
        millis, size = [], 0
        for i in range(count):
            path = target(i)
            t0 = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            millis.append((time.perf_counter() - t0) * 1000)
            if response.status != 200:
                sys.exit(f"{path}: HTTP {response.status}: {body[:500]!r}")
            size = len(body)
        millis.sort()
        print(f"{name:62s} n={count:4d} p50={percentile(millis, 50):8.2f} ms "
              f"p99={percentile(millis, 99):8.2f} ms max={millis[-1]:8.2f} ms "
              f"({size:,} bytes)")


if __name__ == "__main__":
    main()
