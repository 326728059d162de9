// Exports the metrics of the user's documents' LLM instrumentation with the OpenTelemetry JS SDK,
// for tests/server/otel_rules_test.cc: the instruments of seed 003 (GenAI observability) and of
// seed 004 (its Prometheus client metrics, under the same names), with values that make every
// alert of their rule groups (tests/rules/seed_003_llm_sla.yml, seed_004_ai_alerts.yml) true for
// one model and false for another.
//   node otel_llm_metrics.js PROTOCOL(grpc|proto) GRPC_PORT HTTP_PORT VARIANT(recommended|seed)
// VARIANT recommended declares the instruments as docs/otlp-translation.md recommends ("For the
// seeds' rules and dashboards"); seed declares them as 003 does (units `ms` and `USD`, the SDK's
// default histogram boundaries, `error.type` on llm.errors), everything else unchanged.
// Temporality is cumulative; the reader exports every second while five rounds are recorded a
// second apart, so every series has several samples for rate(...[5m]), then flushes and stops.
'use strict';
const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } = require('@opentelemetry/sdk-metrics');
const { resourceFromAttributes } = require('@opentelemetry/resources');

const [protocol, grpcPort, httpPort, variant] = process.argv.slice(2);
if (!['grpc', 'proto'].includes(protocol) || !['recommended', 'seed'].includes(variant)) {
  console.error('usage: node otel_llm_metrics.js grpc|proto GRPC_PORT HTTP_PORT recommended|seed');
  process.exit(2);
}
const temporalityPreference = AggregationTemporality.CUMULATIVE;
const exporter = protocol === 'grpc'
  ? new (require('@opentelemetry/exporter-metrics-otlp-grpc').OTLPMetricExporter)({ url: `http://127.0.0.1:${grpcPort}`, temporalityPreference })
  : new (require('@opentelemetry/exporter-metrics-otlp-proto').OTLPMetricExporter)({ url: `http://127.0.0.1:${httpPort}/v1/metrics`, temporalityPreference });
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1000, exportTimeoutMillis: 900 });
const meterProvider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': `llm-chat-service-${variant}` }),
  readers: [reader],
});
const meter = meterProvider.getMeter('llm-chat-service', '2.1.0');
const recommended = variant === 'recommended';

// Seed 003's instruments. Recommended: latency and time to first token without a unit (values in
// milliseconds, as the rules' thresholds 10000 and 1000 assume), latency with boundaries above the
// 10000 ms threshold, cost with the annotation `{USD}`; `llm.errors` keeps its unit `errors`.
const latency = meter.createHistogram('llm.request.latency', recommended
  ? { description: 'LLM request latency distribution, in milliseconds',
      advice: { explicitBucketBoundaries: [100, 250, 500, 1000, 2500, 5000, 10000, 20000, 30000, 60000] } }
  : { description: 'LLM request latency distribution', unit: 'ms' });
const ttft = meter.createHistogram('llm.time_to_first_token', recommended
  ? { description: 'Time to first token distribution, in milliseconds' }
  : { description: 'Time to first token distribution', unit: 'ms' });
const cost = meter.createCounter('llm.cost.usd',
  { description: 'LLM API cost in USD', unit: recommended ? '{USD}' : 'USD' });
const errors = meter.createCounter('llm.errors', { description: 'LLM call errors by type', unit: 'errors' });
// 003 never creates it, but LLMErrorRateHigh divides by llm_calls_total.
const calls = meter.createCounter('llm.calls', { description: 'LLM calls' });

// Seed 004's metrics (prometheus_client there), under the names the document gives them.
const requests = meter.createCounter('llm_requests_total', { description: 'LLM请求总数' });
const latencySeconds = meter.createHistogram('llm_latency_seconds', {
  description: 'LLM响应延迟(秒)', unit: 's',
  advice: { explicitBucketBoundaries: [0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0] },
});

// One round of traffic. gpt-4o breaches every seed 003 threshold: latency 25 s (P99 above
// 10000 ms), TTFT 2 s (P95 above 1000 ms), 1 error in 10 calls (above 1 %), cost 182 USD then 2
// per round (190 after five rounds, above 180). gpt-4o-mini stays below them. Seed 004's alerts
// fire for gpt-4o-mini: latency 8 s (P95 above 5 s), 1 error in 10 requests (above 5 %).
function round(first) {
  for (const [model, ms, ttftMs, nCalls, nErrors, usd] of [
    ['gpt-4o', 25000, 2000, 10, 1, first ? 182 : 2],
    ['gpt-4o-mini', 800, 300, 200, 1, first ? 1 : 0.5],
  ]) {
    const m = { 'gen_ai.request.model': model };
    for (let i = 0; i < nCalls; ++i) {
      calls.add(1, m);
      latency.record(ms, m);
      ttft.record(ttftMs, m);
    }
    // The seed adds error.type; the rule's division matches only series with the same labels.
    errors.add(nErrors, recommended ? m : { ...m, 'error.type': 'rate_limit' });
    cost.add(usd, { ...m, 'cost.type': 'api_call' });
  }
  const chat = { model: 'gpt-4o-mini', endpoint: 'chat' };
  requests.add(9, { ...chat, status: 'success' });
  requests.add(1, { ...chat, status: 'error' });
  for (let i = 0; i < 10; ++i) latencySeconds.record(8, { model: 'gpt-4o-mini' });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  for (let i = 0; i < 5; ++i) {
    round(i === 0);
    await sleep(1000);
  }
  await meterProvider.forceFlush();
  await meterProvider.shutdown();
}

main().catch((e) => { console.error(e); process.exit(1); });
