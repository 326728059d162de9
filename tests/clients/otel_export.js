// Exports spans and metrics to a tidemark server with the OpenTelemetry JS SDK's own exporters
// and records what it sent, for tests/server/otel_js_test.cc to compare with what was stored.
//   node otel_export.js PROTOCOL(grpc|proto|http) GRPC_PORT HTTP_PORT OUT.json
'use strict';
const api = require('@opentelemetry/api');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } = require('@opentelemetry/sdk-metrics');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const fs = require('fs');

const [protocol, grpcPort, httpPort, out] = process.argv.slice(2);
const [traceExporter, metricExporter] = require('./otel_exporters')(protocol, grpcPort, httpPort);
const resource = resourceFromAttributes({ 'service.name': `js-${protocol}`, 'service.instance.id': 'i-1', 'deployment.environment': 'test' });

// Record every span as the SDK exported it.
const sent = { spans: [], metrics: {} };
const hex = (s) => s.toLowerCase();
const nanos = (t) => (BigInt(t[0]) * 1000000000n + BigInt(t[1])).toString();
class Recorder {
  onStart() {}
  onEnd(span) {
    const ctx = span.spanContext();
    sent.spans.push({
      traceId: hex(ctx.traceId), spanId: hex(ctx.spanId),
      parentSpanId: span.parentSpanContext ? hex(span.parentSpanContext.spanId) : '',
      name: span.name, kind: span.kind, start: nanos(span.startTime), end: nanos(span.endTime),
      status: span.status.code, statusMessage: span.status.message || '',
      attributes: span.attributes, events: span.events.map((e) => ({ name: e.name, time: nanos(e.time), attributes: e.attributes || {} })),
      links: span.links.map((l) => ({ traceId: hex(l.context.traceId), spanId: hex(l.context.spanId), attributes: l.attributes || {} })),
      scope: span.instrumentationScope.name, scopeVersion: span.instrumentationScope.version || '',
    });
  }
  forceFlush() { return Promise.resolve(); }
  shutdown() { return Promise.resolve(); }
}

async function main() {
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new Recorder(), new SimpleSpanProcessor(traceExporter)] });
  const tracer = tracerProvider.getTracer('tidemark-test', '1.2.3');
  const root = tracer.startSpan('rag.pipeline', { kind: api.SpanKind.SERVER, attributes: { 'user.id': 'u-42', 'http.status_code': 200 } });
  const ctx = api.trace.setSpan(api.context.active(), root);
  const chat = tracer.startSpan('gen_ai.client.chat', {
    kind: api.SpanKind.CLIENT,
    attributes: { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 812,
                  'gen_ai.request.temperature': 0.2, 'gen_ai.stream': false, 'gen_ai.response.finish_reasons': ['stop', 'length'] },
    links: [{ context: root.spanContext(), attributes: { 'link.kind': 'parent-request' } }],
  }, ctx);
  chat.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': 'hello' });
  chat.recordException(new Error('rate limited'));
  chat.setStatus({ code: api.SpanStatusCode.ERROR, message: 'rate limited' });
  chat.end();
  root.end();
  await tracerProvider.forceFlush();
  await tracerProvider.shutdown();

  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3600000 });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  const meter = meterProvider.getMeter('tidemark-test');
  const counter = meter.createCounter('llm_requests', { description: 'requests' });
  counter.add(3, { model: 'gpt-4o' });
  counter.add(2, { model: 'gpt-4o' });
  const histogram = meter.createHistogram('llm.latency', { unit: 'ms', advice: { explicitBucketBoundaries: [100, 1000] } });
  for (const v of [50, 500, 5000]) histogram.record(v, { model: 'gpt-4o' });
  await meterProvider.forceFlush();
  await meterProvider.shutdown();
  sent.metrics = { counter: 5, histogram: { count: 3, sum: 5550, buckets: [1, 2, 3] } };
  fs.writeFileSync(out, JSON.stringify(sent, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
