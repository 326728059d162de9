#include "datagen/span_dataset.h"

#include <algorithm>

namespace tidemark::datagen {

namespace {

constexpr uint64_t kMs = 1'000'000;
const char* const kRoutes[] = {"/api/cart", "/api/checkout", "/api/products/{id}", "/api/orders",
                               "/api/login"};
const char* const kModels[] = {"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "llama-3.1-70b"};
const char* const kSystems[] = {"openai", "openai", "anthropic", "vllm"};
const char* const kTools[] = {"search_docs", "get_weather", "run_sql", "send_email"};

}  // namespace

SpanDataset::SpanDataset(const SpanDatasetOptions& options)
    : options_(options), rng_(options.seed) {
  const char* names[] = {"frontend",  "checkout", "payment",      "cart",
                         "inventory", "rag-api",  "agent-worker", "embedder"};
  for (const char* n : names) {
    Service s;
    s.name = n;
    SpanScope scope;
    scope.name = std::string("io.opentelemetry.") +
                 (std::string(n).find("rag") != std::string::npos ? "langchain" : "http");
    scope.version = "0.48b0";
    s.scope = std::make_shared<const SpanScope>(std::move(scope));
    for (int i = 0; i < 4; ++i) {
      SpanResource resource;
      resource.attributes = {{"service.name", AnyValue::String(n)},
                             {"service.namespace", AnyValue::String("shop")},
                             {"service.version", AnyValue::String("1.4." + std::to_string(i % 2))},
                             {"service.instance.id",
                              AnyValue::String(std::string(n) + "-7d9f8b-" + std::to_string(i))},
                             {"deployment.environment", AnyValue::String("production")},
                             {"host.name", AnyValue::String("node-" + std::to_string(i + 10))},
                             {"telemetry.sdk.name", AnyValue::String("opentelemetry")},
                             {"telemetry.sdk.language", AnyValue::String("python")},
                             {"telemetry.sdk.version", AnyValue::String("1.27.0")}};
      s.instances.push_back(std::make_shared<const SpanResource>(std::move(resource)));
    }
    services_.push_back(std::move(s));
  }
}

std::string SpanDataset::RandomId(size_t bytes) {
  std::string id(bytes, '\0');
  for (size_t i = 0; i < bytes; i += 8) {
    const uint64_t r = rng_() | 1;
    for (size_t k = 0; k < 8 && i + k < bytes; ++k) id[i + k] = static_cast<char>(r >> (8 * k));
  }
  return id;
}

Span SpanDataset::NewSpan(const Service& service, const std::string& trace_id,
                          const std::string& parent, std::string name, SpanKind kind,
                          uint64_t start, uint64_t duration) {
  Span s;
  s.trace_id = trace_id;
  s.span_id = RandomId(8);
  s.parent_span_id = parent;
  s.flags = 1;
  s.name = std::move(name);
  s.kind = kind;
  s.start_time_unix_nano = start;
  s.end_time_unix_nano = start + duration;
  s.resource = service.instances[rng_() % service.instances.size()];
  s.scope = service.scope;
  return s;
}

void SpanDataset::MarkError(Span* s, const std::string& type, const std::string& message) {
  s->status_code = SpanStatusCode::kError;
  s->status_message = message;
  s->events.push_back(
      {s->end_time_unix_nano - 1000,
       "exception",
       {{"exception.type", AnyValue::String(type)},
        {"exception.message", AnyValue::String(message)},
        {"exception.stacktrace",
         AnyValue::String("Traceback (most recent call last):\n  File \"app.py\", line " +
                          std::to_string(rng_() % 400) + ", in handle\n" + type + ": " + message)}},
       0});
}

void SpanDataset::MicroserviceTrace(std::vector<Span>* out, const std::string& tid, uint64_t start,
                                    bool error) {
  const std::string route = kRoutes[rng_() % std::size(kRoutes)];
  const uint64_t total = (20 + rng_() % 300) * kMs * (rng_() % 50 == 0 ? 20 : 1);
  Span root = NewSpan(services_[0], tid, "", "GET " + route, SpanKind::kServer, start, total);
  const int status = error ? 500 + static_cast<int>(rng_() % 4) : (rng_() % 20 == 0 ? 404 : 200);
  root.attributes = {{"http.request.method", AnyValue::String("GET")},
                     {"http.route", AnyValue::String(route)},
                     {"url.path", AnyValue::String(route + "/" + std::to_string(rng_() % 10000))},
                     {"http.response.status_code", AnyValue::Int(status)},
                     {"http.status_code", AnyValue::Int(status)},
                     {"user_agent.original", AnyValue::String("Mozilla/5.0 (X11; Linux x86_64)")},
                     {"client.address", AnyValue::String("10.1." + std::to_string(rng_() % 256) +
                                                         "." + std::to_string(rng_() % 256))},
                     {"user.id", AnyValue::String("u" + std::to_string(rng_() % 5000))}};
  const size_t downstream = 1 + rng_() % 3;
  uint64_t t = start + 2 * kMs;
  std::vector<Span> children;
  for (size_t d = 0; d < downstream; ++d) {
    const Service& svc = services_[1 + rng_() % 4];
    const uint64_t dur = total / (downstream + 1);
    Span client =
        NewSpan(services_[0], tid, root.span_id, "POST /" + svc.name, SpanKind::kClient, t, dur);
    client.attributes = {{"http.request.method", AnyValue::String("POST")},
                         {"server.address", AnyValue::String(svc.name)},
                         {"server.port", AnyValue::Int(8080)},
                         {"http.response.status_code", AnyValue::Int(status)}};
    Span server = NewSpan(svc, tid, client.span_id, "POST /" + svc.name, SpanKind::kServer,
                          t + kMs / 2, dur - kMs);
    server.attributes = {{"http.request.method", AnyValue::String("POST")},
                         {"http.route", AnyValue::String("/" + svc.name)},
                         {"http.response.status_code", AnyValue::Int(status)},
                         {"http.status_code", AnyValue::Int(status)}};
    Span db = NewSpan(svc, tid, server.span_id, "SELECT " + svc.name, SpanKind::kClient, t + kMs,
                      dur / 2);
    db.attributes = {{"db.system", AnyValue::String("postgresql")},
                     {"db.name", AnyValue::String(svc.name)},
                     {"db.operation", AnyValue::String("SELECT")},
                     {"db.statement", AnyValue::String("SELECT id, qty, price FROM " + svc.name +
                                                       " WHERE id = $1")},
                     {"server.address", AnyValue::String("pg-" + std::to_string(rng_() % 3))}};
    if (error && d == 0) MarkError(&db, "psycopg.OperationalError", "connection reset by peer");
    children.push_back(std::move(client));
    children.push_back(std::move(server));
    children.push_back(std::move(db));
    t += dur;
  }
  if (error) {
    root.status_code = SpanStatusCode::kError;
    root.status_message = "upstream error";
  }
  out->push_back(std::move(root));
  for (Span& c : children) out->push_back(std::move(c));
}

void SpanDataset::LlmTrace(std::vector<Span>* out, const std::string& tid, uint64_t start,
                           bool error) {
  const Service& rag = services_[5];
  const size_t m = rng_() % std::size(kModels);
  const uint64_t embed = (30 + rng_() % 50) * kMs, search = (10 + rng_() % 40) * kMs,
                 rerank = (40 + rng_() % 80) * kMs;
  const uint64_t chat = (400 + rng_() % 4000) * kMs;
  Span root = NewSpan(rag, tid, "", "rag.pipeline", SpanKind::kServer, start,
                      embed + search + rerank + chat + 5 * kMs);
  root.attributes = {{"user.id", AnyValue::String("u" + std::to_string(rng_() % 5000))},
                     {"session.id", AnyValue::String("s" + std::to_string(rng_() % 100000))},
                     {"http.route", AnyValue::String("/v1/ask")},
                     {"http.status_code", AnyValue::Int(error ? 500 : 200)}};
  uint64_t t = start + kMs;
  Span e = NewSpan(services_[7], tid, root.span_id, "gen_ai.client.embedding", SpanKind::kClient, t,
                   embed);
  e.attributes = {
      {"gen_ai.system", AnyValue::String("openai")},
      {"gen_ai.request.model", AnyValue::String("text-embedding-3-small")},
      {"gen_ai.usage.input_tokens", AnyValue::Int(static_cast<int64_t>(20 + rng_() % 200))},
      {"gen_ai.request.encoding_format", AnyValue::String("float")}};
  t += embed;
  Span v = NewSpan(rag, tid, root.span_id, "vector.search", SpanKind::kClient, t, search);
  v.attributes = {{"db.system", AnyValue::String("qdrant")},
                  {"vector.top_k", AnyValue::Int(20)},
                  {"vector.collection", AnyValue::String("docs")},
                  {"vector.results_count", AnyValue::Int(20)}};
  t += search;
  Span r = NewSpan(rag, tid, root.span_id, "gen_ai.client.rerank", SpanKind::kClient, t, rerank);
  r.attributes = {{"gen_ai.system", AnyValue::String("cohere")},
                  {"gen_ai.request.model", AnyValue::String("rerank-english-v3.0")},
                  {"rerank.documents_count", AnyValue::Int(20)},
                  {"rerank.results_count", AnyValue::Int(5)}};
  t += rerank;
  Span c = NewSpan(rag, tid, root.span_id, "gen_ai.client.chat", SpanKind::kClient, t, chat);
  const int64_t in = 500 + static_cast<int64_t>(rng_() % 3000),
                outt = 50 + static_cast<int64_t>(rng_() % 800);
  c.attributes = {
      {"gen_ai.system", AnyValue::String(kSystems[m])},
      {"gen_ai.request.model", AnyValue::String(kModels[m])},
      {"gen_ai.response.model", AnyValue::String(std::string(kModels[m]) + "-2024-08-06")},
      {"gen_ai.request.temperature", AnyValue::Double(0.2)},
      {"gen_ai.request.max_tokens", AnyValue::Int(1024)},
      {"gen_ai.usage.input_tokens", AnyValue::Int(in)},
      {"gen_ai.usage.output_tokens", AnyValue::Int(outt)},
      {"gen_ai.response.finish_reasons",
       AnyValue::Array({AnyValue::String(error ? "error" : "stop")})},
      {"llm.time_to_first_token_ms", AnyValue::Double(static_cast<double>(150 + rng_() % 900))},
      {"llm.cost.usd", AnyValue::Double(static_cast<double>(in * 5 + outt * 15) / 1e6)}};
  if (error) MarkError(&c, "openai.RateLimitError", "Rate limit reached for requests");
  if (error) {
    root.status_code = SpanStatusCode::kError;
    root.status_message = "LLM call failed";
  }
  for (Span* s : {&root, &e, &v, &r, &c}) out->push_back(std::move(*s));
}

void SpanDataset::AgentTrace(std::vector<Span>* out, const std::string& tid, uint64_t start,
                             bool error) {
  const Service& agent = services_[6];
  const size_t steps = 2 + rng_() % 3;
  Span root =
      NewSpan(agent, tid, "", "agent.run", SpanKind::kInternal, start, (steps * 1500 + 100) * kMs);
  root.attributes = {{"agent.name", AnyValue::String("support-agent")},
                     {"user.id", AnyValue::String("u" + std::to_string(rng_() % 5000))}};
  out->push_back(root);
  uint64_t t = start + kMs;
  for (size_t k = 0; k < steps; ++k) {
    const size_t m = rng_() % std::size(kModels);
    Span c = NewSpan(agent, tid, root.span_id, "gen_ai.client.chat", SpanKind::kClient, t,
                     (600 + rng_() % 800) * kMs);
    c.attributes = {
        {"gen_ai.system", AnyValue::String(kSystems[m])},
        {"gen_ai.request.model", AnyValue::String(kModels[m])},
        {"gen_ai.usage.input_tokens", AnyValue::Int(static_cast<int64_t>(800 + rng_() % 4000))},
        {"gen_ai.usage.output_tokens", AnyValue::Int(static_cast<int64_t>(20 + rng_() % 300))},
        {"gen_ai.response.finish_reasons", AnyValue::Array({AnyValue::String("tool_calls")})}};
    t += c.end_time_unix_nano - c.start_time_unix_nano;
    const char* tool = kTools[rng_() % std::size(kTools)];
    Span call = NewSpan(agent, tid, root.span_id, std::string("tool.") + tool, SpanKind::kInternal,
                        t, (20 + rng_() % 500) * kMs);
    call.attributes = {{"tool.name", AnyValue::String(tool)},
                       {"tool.call_id", AnyValue::String("call_" + std::to_string(rng_()))},
                       {"tool.status", AnyValue::String("ok")},
                       {"tool.result_length", AnyValue::Int(static_cast<int64_t>(rng_() % 10000))}};
    if (error && k + 1 == steps) {
      call.attributes[2].value = AnyValue::String("error");
      MarkError(&call, "ToolError", std::string(tool) + " timed out");
    }
    t += call.end_time_unix_nano - call.start_time_unix_nano;
    out->push_back(std::move(c));
    out->push_back(std::move(call));
  }
}

void SpanDataset::Shape(std::vector<Span>* out, size_t first) {
  const size_t want = options_.spans_per_trace;
  if (want > 0 && out->size() - first > want) out->resize(first + want);
  if (want > 0 && out->size() - first < want) {
    // Steps of the root's service, one after another within the root's duration.
    const Span root = (*out)[first];
    const size_t missing = want - (out->size() - first);
    const uint64_t duration = root.end_time_unix_nano - root.start_time_unix_nano;
    const uint64_t step = std::max<uint64_t>(1, duration / (missing + 1));
    for (size_t k = 0; k < missing; ++k) {
      Span s = root;
      s.span_id = RandomId(8);
      s.parent_span_id = root.span_id;
      s.name = "step " + std::to_string(k % 16);
      s.kind = SpanKind::kInternal;
      s.start_time_unix_nano = root.start_time_unix_nano + step * k + step / 2;
      s.end_time_unix_nano = s.start_time_unix_nano + step / 2;
      s.attributes = {{"step.index", AnyValue::Int(static_cast<int64_t>(k))}};
      s.events.clear();
      s.links.clear();
      s.status_code = SpanStatusCode::kUnset;
      s.status_message.clear();
      out->push_back(std::move(s));
    }
  }
  for (size_t i = first; i < out->size() && options_.extra_attributes > 0; ++i) {
    for (uint32_t a = 0; a < options_.extra_attributes; ++a) {
      const uint64_t value = rng_() % std::max<uint32_t>(1, options_.attribute_cardinality);
      (*out)[i].attributes.push_back(
          {"bench.attr." + std::to_string(a), AnyValue::String("v" + std::to_string(value))});
    }
  }
}

void SpanDataset::NextTrace(std::vector<Span>* out) {
  const size_t first = out->size();
  const std::string tid = RandomId(16);
  const uint64_t start = options_.start_unix_nano + rng_() % options_.window_nano;
  const bool error = std::uniform_real_distribution<double>(0, 1)(rng_) < options_.error_ratio;
  const uint64_t kind = rng_() % 10;
  if (kind < 6) {
    MicroserviceTrace(out, tid, start, error);
  } else if (kind < 9) {
    LlmTrace(out, tid, start, error);
  } else {
    AgentTrace(out, tid, start, error);
  }
  Shape(out, first);
}

}  // namespace tidemark::datagen
