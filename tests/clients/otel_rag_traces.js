// Exports nested traces shaped like the user's documents (../shared/seeds/000, 001, 003) with the
// OpenTelemetry JS SDK's OTLP/HTTP protobuf exporter, two services calling each other, and
// records what it sent for tests/server/trace_api_test.cc:
//   frontend  GET /api/chat (server)  ->  rag-api  POST /v1/rag (server)
//     rag-api: retrieval (internal) -> embeddings (client, gen_ai.*), gen_ai chat (client, gen_ai.*,
//     token counts), a tool call; some traces fail: the chat span records an exception and has
//     error status, the server spans answer 500.
//   node otel_rag_traces.js HTTP_PORT OUT.json
'use strict';
const api = require('@opentelemetry/api');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const fs = require('fs');

const [httpPort, out] = process.argv.slice(2);
const exporter = () => new OTLPTraceExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` });
const provider = (service) => new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }),
  spanProcessors: [new SimpleSpanProcessor(exporter())],
});
const frontendProvider = provider('frontend');
const ragProvider = provider('rag-api');
const frontend = frontendProvider.getTracer('frontend-http', '1.0.0');
const rag = ragProvider.getTracer('rag-pipeline', '0.3.1');

const traces = [];

// Explicit times (ms since the epoch), so durations do not depend on the machine's load: trace i
// starts i seconds after the first; the failed chat spans last 300 ms, the others 50 ms.
const base = Date.now() - 60 * 1000;

async function ragRequest(i) {
  const failed = i % 3 === 2;                        // traces 2 and 5 fail
  const model = i % 2 === 0 ? 'gpt-4o' : 'claude-3-5-sonnet';
  const t0 = base + i * 1000;
  const root = frontend.startSpan('GET /api/chat', {
    kind: api.SpanKind.SERVER, startTime: t0,
    attributes: { 'http.request.method': 'GET', 'http.route': '/api/chat', 'user.id': `u-${i}` },
  });
  const rootCtx = api.trace.setSpan(api.context.active(), root);
  const server = rag.startSpan('POST /v1/rag', {
    kind: api.SpanKind.SERVER, startTime: t0 + 1, attributes: { 'http.request.method': 'POST', 'request.index': i },
  }, rootCtx);
  const serverCtx = api.trace.setSpan(api.context.active(), server);
  const retrieval = rag.startSpan('retrieval', { kind: api.SpanKind.INTERNAL, startTime: t0 + 2, attributes: { 'retrieval.top_k': 5 } }, serverCtx);
  const retrievalCtx = api.trace.setSpan(api.context.active(), retrieval);
  const embed = rag.startSpan('embeddings text-embedding-3-small', {
    kind: api.SpanKind.CLIENT, startTime: t0 + 3,
    attributes: { 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'embeddings',
                  'gen_ai.request.model': 'text-embedding-3-small', 'gen_ai.usage.input_tokens': 12 },
  }, retrievalCtx);
  embed.end(t0 + 8);
  retrieval.end(t0 + 9);
  const chat = rag.startSpan(`chat ${model}`, {
    kind: api.SpanKind.CLIENT, startTime: t0 + 10,
    attributes: { 'gen_ai.system': model.startsWith('gpt') ? 'openai' : 'anthropic', 'gen_ai.operation.name': 'chat',
                  'gen_ai.request.model': model, 'gen_ai.usage.input_tokens': 800 + i,
                  'gen_ai.usage.output_tokens': 100 + i, 'gen_ai.request.temperature': 0.2 },
  }, serverCtx);
  chat.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': `question ${i}` }, t0 + 11);
  if (failed) {
    chat.recordException(new Error('upstream rate limited'), t0 + 300);
    chat.setStatus({ code: api.SpanStatusCode.ERROR, message: 'upstream rate limited' });
  }
  chat.end(t0 + 10 + (failed ? 300 : 50));
  if (!failed) {
    const tool = rag.startSpan('execute_tool search_docs', {
      kind: api.SpanKind.INTERNAL, startTime: t0 + 61, attributes: { 'gen_ai.tool.name': 'search_docs' },
    }, serverCtx);
    tool.end(t0 + 70);
  }
  server.setAttribute('http.response.status_code', failed ? 500 : 200);
  if (failed) server.setStatus({ code: api.SpanStatusCode.ERROR });
  server.end(t0 + 400);
  root.setAttribute('http.response.status_code', failed ? 500 : 200);
  root.end(t0 + 401);
  traces.push({ traceId: root.spanContext().traceId, index: i, model, failed, spans: failed ? 5 : 6 });
}

async function main() {
  for (let i = 0; i < 6; ++i) await ragRequest(i);
  await frontendProvider.forceFlush();
  await ragProvider.forceFlush();
  await frontendProvider.shutdown();
  await ragProvider.shutdown();
  fs.writeFileSync(out, JSON.stringify({ traces }));
}

main().catch((e) => { console.error(e); process.exit(1); });
