// JSON encoding as Prometheus' HTTP API writes it: sample values as strings ("NaN", "+Inf"),
// timestamps as float seconds with at most millisecond digits, label sets as objects.
#ifndef TIDEMARK_SERVER_PROM_JSON_H_
#define TIDEMARK_SERVER_PROM_JSON_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "query/ast.h"
#include "query/value.h"
#include "tidemark/labels.h"
#include "util/json_string.h"

namespace tidemark::server {

using util::AppendJsonString;  // util/json_string.h
// Appends a sample value as Prometheus does: shortest round-trip decimal without exponent, or
// "NaN", "+Inf", "-Inf" (as a JSON string).
// A JSON array of strings.
void AppendStringArray(std::string* out, const std::vector<std::string>& items);
void AppendJsonSampleValue(std::string* out, double v);
// The value alone, unquoted ("1.5", "NaN", "+Inf"): strconv.FormatFloat(v, 'f', -1, 64), as
// Prometheus' API writes values (util::GoFormatFloatF).
std::string FormatSampleValue(double v);
// Appends milliseconds as float seconds: 1435781451781 -> 1435781451.781, 1000 -> 1.
void AppendJsonTimestamp(std::string* out, int64_t ms);
// {"__name__":"up","job":"api"}
void AppendJsonLabels(std::string* out, const Labels& labels);
// The `data` of a query result: {"resultType":"vector","result":[...]}. With `flush`, it is
// called after each series with what `out` holds so far, and may send and clear it (an answer
// streamed in pieces); when it returns false the encoding stops there, unfinished.
void AppendJsonQueryData(std::string* out, const promql::QueryResult& result,
                         const std::function<bool(std::string*)>& flush = {});
// The syntax tree as Prometheus' parse_query returns it (the shape its UI's tree view reads).
void AppendAstJson(std::string* out, const promql::Expr& expr);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_PROM_JSON_H_
