// Tables of TraceQL's words and operators (Tempo's lexer.go token map and expr.y precedence):
// keywords, intrinsic names, and which token is which operator at which level.
//
// Thread safety: free functions over constant tables.
#ifndef TIDEMARK_QUERY_TRACEQL_GRAMMAR_H_
#define TIDEMARK_QUERY_TRACEQL_GRAMMAR_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "query/traceql/ast.h"
#include "query/traceql/lexer.h"

namespace tidemark::traceql {

// Field expression operator levels (expr.y's %left lines), lowest first.
inline constexpr int kLevelLogical = 1;
inline constexpr int kLevelComparison = 2;
inline constexpr int kLevelAdditive = 3;
inline constexpr int kLevelMultiplicative = 4;
inline constexpr int kLevelPower = 5;

// rate, count_over_time, ..., compare, topk, bottomk.
bool IsMetricsFunction(std::string_view word);
// duration, name, status, ..., nestedSetParent; kNone if `word` is not one.
Intrinsic BareIntrinsic(std::string_view word);
// `scope:name` (trace:id, span:parentID, ...); kNone if not one.
Intrinsic ScopedIntrinsic(std::string_view scope, std::string_view name);
// "duration, name, kind, ..." for messages.
std::string ScopedIntrinsicNames(std::string_view scope);
// true/false, ok/error/unset and the kind names.
bool StaticWord(std::string_view word, ValueType* type, int64_t* value);
bool AggregateWord(std::string_view word, AggregateOp* op);
// Binary operators inside `{ }`, with their level.
bool FieldBinaryOp(TokenKind kind, FieldOp* op, int* level);
// Spanset operators other than && and ||.
bool StructuralOp(TokenKind kind, SpansetOp* op);
// = != < <= > >= between scalars.
bool ScalarComparisonOp(TokenKind kind, FieldOp* op);
// + - * / % ^ between scalars, with their level.
bool ScalarArithmeticOp(TokenKind kind, FieldOp* op, int* level);

}  // namespace tidemark::traceql

#endif  // TIDEMARK_QUERY_TRACEQL_GRAMMAR_H_
