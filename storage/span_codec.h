// Binary encodings of spans and attribute values, shared by the span log records and the span
// segments' nested columns (events, links, complex attribute values). Layout:
// docs/format/span-segments.md.
#ifndef TIDEMARK_STORAGE_SPAN_CODEC_H_
#define TIDEMARK_STORAGE_SPAN_CODEC_H_

#include <string>
#include <string_view>
#include <vector>

#include "tidemark/trace.h"

namespace tidemark::storage {

inline constexpr int kMaxAnyValueDepth = 32;

void EncodeAnyValue(const AnyValue& v, std::string* out);
bool DecodeAnyValue(std::string_view* in, AnyValue* v, int depth = 0);
void EncodeKeyValues(const std::vector<KeyValue>& kvs, std::string* out);
bool DecodeKeyValues(std::string_view* in, std::vector<KeyValue>* kvs, int depth = 0);

// A span without its resource and scope (the span log's row format).
void EncodeSpanBody(const Span& span, std::string* out);
bool DecodeSpanBody(std::string_view* in, Span* span);

// A whole span: its body, then its resource and scope, each length-prefixed (span log records of
// type kSpans, written before kSpanBatch). The decoded span has a resource and scope of its own.
void EncodeSpan(const Span& span, std::string* out);
bool DecodeSpan(std::string_view* in, Span* span);

// A batch of spans as one kSpanBatch log record: each distinct resource and scope object once,
// then the spans by index. Decoded spans share one object per resource and scope, as they did.
void EncodeSpanBatch(const std::vector<Span>& spans, std::string* out);
bool DecodeSpanBatch(std::string_view in, std::vector<Span>* spans);

// Resource and scope, as stored once per row group dictionary entry and per batch record.
void EncodeResource(const SpanResource& resource, std::string* out);
bool DecodeResource(std::string_view in, SpanResource* resource);
void EncodeScope(const SpanScope& scope, std::string* out);
bool DecodeScope(std::string_view in, SpanScope* scope);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_SPAN_CODEC_H_
