#!/usr/bin/env python3
"""A /metrics page as the user's documents write one (seeds/004: Counter, Histogram and Gauge
with labels from Debian's python3-prometheus-client, served by start_http_server), for the
scraping tests. Usage: python_llm_app.py PORT. Records a fixed set of observations, so that the
page is the same on every run except the client's process and GC metrics, prints "ready" and
serves until killed."""
import sys
import time

from prometheus_client import Counter, Gauge, Histogram, start_http_server

llm_requests_total = Counter('llm_requests_total', 'LLM请求总数', ['model', 'endpoint', 'status'])
llm_latency_seconds = Histogram('llm_latency_seconds', 'LLM响应延迟（秒）', ['model'],
                                buckets=[0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0])
llm_tokens_total = Counter('llm_tokens_total', 'Token使用量', ['model', 'type'])
active_sessions = Gauge('active_sessions', '当前活跃会话数')
# A label value with every character the text formats escape.
odd_labels = Gauge('odd_label_values', 'Label values with "quotes", \\ and\nnewlines', ['v'])


def main():
    port = int(sys.argv[1])
    for model, latency in (('gpt-4o', 1.7), ('gpt-4o', 0.4), ('claude-3-5-sonnet', 12.0)):
        llm_requests_total.labels(model=model, endpoint='/chat', status='success').inc()
        llm_latency_seconds.labels(model=model).observe(latency)
        llm_tokens_total.labels(model=model, type='input').inc(1200)
        llm_tokens_total.labels(model=model, type='output').inc(350)
    llm_requests_total.labels(model='gpt-4o', endpoint='/chat', status='error').inc()
    active_sessions.set(3)
    odd_labels.labels(v='a "quoted" \\ back\nslash').set(1)
    start_http_server(port, addr='127.0.0.1')
    print('ready', flush=True)
    while True:
        time.sleep(3600)


if __name__ == '__main__':
    main()
