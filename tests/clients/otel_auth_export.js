// Exports one span and one counter with the OpenTelemetry JS SDK's own exporters, credentials
// given the way users give them (OTEL_EXPORTER_OTLP_HEADERS), and records what each export
// returned, for tests/server/auth_test.cc.
//   node otel_auth_export.js PROTOCOL(grpc|proto|http) GRPC_PORT HTTP_PORT AUTHORIZATION|- OUT.json
// With `-`, OTEL_EXPORTER_OTLP_HEADERS is left as the caller set it (tests/server/tenants_test.cc
// names a tenant there).
'use strict';
const [protocol, grpcPort, httpPort, authorization, out] = process.argv.slice(2);
if (authorization !== '-') {
  // Read by every OTLP exporter (HTTP headers, gRPC metadata); values are percent-encoded.
  process.env.OTEL_EXPORTER_OTLP_HEADERS = `Authorization=${encodeURIComponent(authorization)}`;
}
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const fs = require('fs');

const [traceExporter, metricExporter] = require('./otel_exporters')(protocol, grpcPort, httpPort);
const resource = resourceFromAttributes({ 'service.name': `auth-${protocol}` });

// Spans and metrics are collected here and handed to the exporters directly, so that each
// export's own result (success, or the error the server's answer became) is what is recorded.
class Collector {
  constructor() { this.spans = []; }
  onStart() {}
  onEnd(span) { this.spans.push(span); }
  forceFlush() { return Promise.resolve(); }
  shutdown() { return Promise.resolve(); }
}
class Reader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}
const exported = (exporter, items) => new Promise((resolve) => {
  exporter.export(items, (result) => resolve({ code: result.code, error: result.error ? String(result.error.message || result.error) : '' }));
});

async function main() {
  const collector = new Collector();
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [collector] });
  tracerProvider.getTracer('auth-test').startSpan('guarded').end();
  const reader = new Reader();
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  meterProvider.getMeter('auth-test').createCounter('guarded_requests').add(1);
  const { resourceMetrics } = await reader.collect();
  const result = {
    trace: await exported(traceExporter, collector.spans),
    metrics: await exported(metricExporter, resourceMetrics),
  };
  await traceExporter.shutdown();
  await metricExporter.shutdown();
  fs.writeFileSync(out, JSON.stringify(result));
}

main().catch((e) => { console.error(e); process.exit(1); });
