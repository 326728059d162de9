// The OpenTelemetry JS SDK's Prometheus exporter (npm @opentelemetry/exporter-prometheus) serving
// a /metrics page for the scraping tests: the application and LLM metrics an instrumented
// service records (seeds 000 and 003), recorded once with fixed values.
// Usage: node otel_prometheus_exporter.js PORT. Prints "ready" and serves until killed.
'use strict';
const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
const { MeterProvider } = require('@opentelemetry/sdk-metrics');
const { resourceFromAttributes } = require('@opentelemetry/resources');

const port = Number(process.argv[2]);
const exporter = new PrometheusExporter({ host: '127.0.0.1', port }, (error) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'rag-service' }),
    readers: [exporter],
  });
  const meter = provider.getMeter('llm-app', '1.0.0');
  const requests = meter.createCounter('chain_requests_total', { description: 'Chain requests' });
  const latency = meter.createHistogram('chain_latency_ms', {
    description: 'Chain latency',
    unit: 'ms',
    advice: { explicitBucketBoundaries: [10, 50, 100, 500, 1000, 5000] },
  });
  const tokens = meter.createCounter('gen_ai.client.token.usage', { unit: '{token}' });
  const sessions = meter.createUpDownCounter('active_sessions');
  requests.add(3, { chain: 'rag', status: 'ok' });
  requests.add(1, { chain: 'rag', status: 'error' });
  for (const ms of [42, 180, 950, 2300]) latency.record(ms, { chain: 'rag' });
  tokens.add(1200, { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.token.type': 'input' });
  tokens.add(350, { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.token.type': 'output' });
  sessions.add(2);
  console.log('ready');
});
// The exporter's server does not keep Node running by itself (it is unref'd).
setInterval(() => {}, 1 << 30);
