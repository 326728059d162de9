// The OpenTelemetry JS SDK's trace and metric exporters for one protocol, pointed at a tidemark
// server on loopback: grpc (OTLP/gRPC), proto (OTLP/HTTP protobuf) or http (OTLP/HTTP JSON).
'use strict';

module.exports = function otlpExporters(protocol, grpcPort, httpPort) {
  const exporters = {
    grpc: () => [new (require('@opentelemetry/exporter-trace-otlp-grpc').OTLPTraceExporter)({ url: `http://127.0.0.1:${grpcPort}` }),
                 new (require('@opentelemetry/exporter-metrics-otlp-grpc').OTLPMetricExporter)({ url: `http://127.0.0.1:${grpcPort}` })],
    proto: () => [new (require('@opentelemetry/exporter-trace-otlp-proto').OTLPTraceExporter)({ url: `http://127.0.0.1:${httpPort}/v1/traces` }),
                  new (require('@opentelemetry/exporter-metrics-otlp-proto').OTLPMetricExporter)({ url: `http://127.0.0.1:${httpPort}/v1/metrics` })],
    http: () => [new (require('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter)({ url: `http://127.0.0.1:${httpPort}/v1/traces` }),
                 new (require('@opentelemetry/exporter-metrics-otlp-http').OTLPMetricExporter)({ url: `http://127.0.0.1:${httpPort}/v1/metrics` })],
  };
  if (!exporters[protocol]) throw new Error(`unknown protocol ${protocol} (grpc, proto or http)`);
  return exporters[protocol]();
};
