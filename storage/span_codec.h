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

// A whole span, every field (the log's row format).
void EncodeSpan(const Span& span, std::string* out);
bool DecodeSpan(std::string_view* in, Span* span);

// Resource and scope, as stored once per row group dictionary entry.
void EncodeResource(const Span& span, std::string* out);
bool DecodeResource(std::string_view in, Span* span);
void EncodeScope(const Span& span, std::string* out);
bool DecodeScope(std::string_view in, Span* span);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_SPAN_CODEC_H_
