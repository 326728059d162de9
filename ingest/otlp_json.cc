#include "ingest/otlp_json.h"

#include <google/protobuf/util/json_util.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "ingest/otlp_common.h"
#include "util/base64.h"

namespace tidemark::ingest {
namespace {

// OTLP fields that are lists: anything else in their place is a wrongly typed body, which
// protobuf's lenient parser would otherwise accept.
bool IsRepeatedField(std::string_view name) {
  static const std::string_view kRepeated[] = {
      "resourceSpans",   "scopeSpans",     "spans",
      "attributes",      "events",         "links",
      "resourceMetrics", "scopeMetrics",   "metrics",
      "dataPoints",      "bucketCounts",   "explicitBounds",
      "exemplars",       "quantileValues", "resourceLogs",
      "scopeLogs",       "logRecords",     "filteredAttributes"};
  for (std::string_view r : kRepeated) {
    if (name == r) return true;
  }
  return false;
}

bool IsIdField(std::string_view name) {
  return name == "traceId" || name == "spanId" || name == "parentSpanId" || name == "trace_id" ||
         name == "span_id" || name == "parent_span_id";
}

// Rewrites hex ids as base64 and integers past 2^53 as strings (protobuf's JSON parser reads
// numbers through double), in place.
// OTLP nests a few levels (attribute values may nest arrays and kvlists); anything deeper is
// refused rather than recursed into.
constexpr int kMaxJsonDepth = 64;

Status Normalise(rapidjson::Value* v, rapidjson::Document::AllocatorType& alloc, const char* field,
                 int depth = 0) {
  if (depth > kMaxJsonDepth) {
    return Status::InvalidArgument("JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                                   " levels");
  }
  if (v->IsObject()) {
    for (auto& m : v->GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (IsIdField(name) && m.value.IsString()) {
        std::string bytes;
        if (!FromHex(std::string_view(m.value.GetString(), m.value.GetStringLength()), &bytes)) {
          return Status::InvalidArgument(
              "field \"" + std::string(name) + "\" is not hex: \"" +
              std::string(m.value.GetString(), m.value.GetStringLength()) + "\"");
        }
        const std::string b64 = util::Base64(bytes);
        m.value.SetString(b64.data(), static_cast<rapidjson::SizeType>(b64.size()), alloc);
        continue;
      }
      if (IsRepeatedField(name) && !m.value.IsArray() && !m.value.IsNull()) {
        return Status::InvalidArgument("field \"" + std::string(name) + "\" must be a list");
      }
      Status s = Normalise(&m.value, alloc, m.name.GetString(), depth + 1);
      if (!s.ok()) return s;
    }
  } else if (v->IsArray()) {
    for (auto& e : v->GetArray()) {
      Status s = Normalise(&e, alloc, field, depth + 1);
      if (!s.ok()) return s;
    }
  } else if (v->IsUint64() || v->IsInt64()) {
    const bool big =
        v->IsUint64() ? v->GetUint64() > (uint64_t{1} << 53)
                      : (v->GetInt64() > (int64_t{1} << 53) || v->GetInt64() < -(int64_t{1} << 53));
    if (big) {
      const std::string text =
          v->IsUint64() ? std::to_string(v->GetUint64()) : std::to_string(v->GetInt64());
      v->SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc);
    }
  }
  return Status::OK();
}

}  // namespace

// The deepest nesting of brackets outside strings: checked before parsing, because building and
// freeing a DOM are both recursive in its depth.
static int NestingDepth(std::string_view body) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

Status ParseOtlpJson(std::string_view body, google::protobuf::Message* message) {
  if (NestingDepth(body) > kMaxJsonDepth) {
    return Status::InvalidArgument("JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                                   " levels");
  }
  rapidjson::Document doc;
  // Iterative parsing: a deeply nested body cannot exhaust the stack.
  doc.Parse<rapidjson::kParseFullPrecisionFlag | rapidjson::kParseIterativeFlag>(body.data(),
                                                                                 body.size());
  if (doc.HasParseError()) {
    return Status::InvalidArgument(std::string("invalid JSON at offset ") +
                                   std::to_string(doc.GetErrorOffset()) + ": " +
                                   rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return Status::InvalidArgument("OTLP/JSON body must be an object");
  Status s = Normalise(&doc, doc.GetAllocator(), "");
  if (!s.ok()) return s;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(
      std::string(buffer.GetString(), buffer.GetSize()), message, options);
  if (!status.ok())
    return Status::InvalidArgument("invalid OTLP/JSON: " + std::string(status.message()));
  return Status::OK();
}

Result<std::string> ToOtlpJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) return Status::Internal("encode JSON: " + std::string(status.message()));
  return out;
}

}  // namespace tidemark::ingest
