#include "query/traceql/grammar.h"

namespace tidemark::traceql {
namespace {

constexpr std::string_view kMetricsFunctions[] = {
    "rate",          "count_over_time",    "min_over_time",       "max_over_time", "avg_over_time",
    "sum_over_time", "quantile_over_time", "histogram_over_time", "compare",       "topk",
    "bottomk",
};

struct NamedIntrinsic {
  std::string_view name;
  Intrinsic intrinsic;
};
constexpr NamedIntrinsic kBareIntrinsics[] = {
    {"duration", Intrinsic::kDuration},
    {"childCount", Intrinsic::kChildCount},
    {"name", Intrinsic::kName},
    {"status", Intrinsic::kStatus},
    {"statusMessage", Intrinsic::kStatusMessage},
    {"kind", Intrinsic::kKind},
    {"parent", Intrinsic::kParent},
    {"rootName", Intrinsic::kTraceRootName},
    {"rootServiceName", Intrinsic::kTraceRootService},
    {"traceDuration", Intrinsic::kTraceDuration},
    {"nestedSetLeft", Intrinsic::kNestedSetLeft},
    {"nestedSetRight", Intrinsic::kNestedSetRight},
    {"nestedSetParent", Intrinsic::kNestedSetParent},
};

struct ScopedIntrinsicName {
  std::string_view scope;
  std::string_view name;
  Intrinsic intrinsic;
};
constexpr ScopedIntrinsicName kScopedIntrinsics[] = {
    {"trace", "duration", Intrinsic::kTraceDuration},
    {"trace", "rootName", Intrinsic::kTraceRootName},
    {"trace", "rootService", Intrinsic::kTraceRootService},
    {"trace", "id", Intrinsic::kTraceId},
    {"span", "duration", Intrinsic::kDuration},
    {"span", "name", Intrinsic::kName},
    {"span", "kind", Intrinsic::kKind},
    {"span", "status", Intrinsic::kStatus},
    {"span", "statusMessage", Intrinsic::kStatusMessage},
    {"span", "id", Intrinsic::kSpanId},
    {"span", "parentID", Intrinsic::kParentId},
    {"event", "name", Intrinsic::kEventName},
    {"event", "timeSinceStart", Intrinsic::kEventTimeSinceStart},
    {"link", "traceID", Intrinsic::kLinkTraceId},
    {"link", "spanID", Intrinsic::kLinkSpanId},
    {"instrumentation", "name", Intrinsic::kInstrumentationName},
    {"instrumentation", "version", Intrinsic::kInstrumentationVersion},
};

}  // namespace

bool IsMetricsFunction(std::string_view word) {
  for (std::string_view f : kMetricsFunctions) {
    if (word == f) return true;
  }
  return false;
}

// Static words: booleans, statuses and kinds.
bool StaticWord(std::string_view word, ValueType* type, int64_t* value) {
  struct Word {
    std::string_view text;
    ValueType type;
    int64_t value;
  };
  static constexpr Word kWords[] = {
      {"true", ValueType::kBool, 1},     {"false", ValueType::kBool, 0},
      {"ok", ValueType::kStatus, 1},     {"error", ValueType::kStatus, 2},
      {"unset", ValueType::kStatus, 0},  {"unspecified", ValueType::kKind, 0},
      {"internal", ValueType::kKind, 1}, {"server", ValueType::kKind, 2},
      {"client", ValueType::kKind, 3},   {"producer", ValueType::kKind, 4},
      {"consumer", ValueType::kKind, 5},
  };
  for (const Word& w : kWords) {
    if (w.text == word) {
      *type = w.type;
      *value = w.value;
      return true;
    }
  }
  return false;
}

bool AggregateWord(std::string_view word, AggregateOp* op) {
  static constexpr std::pair<std::string_view, AggregateOp> kWords[] = {
      {"count", AggregateOp::kCount}, {"avg", AggregateOp::kAvg}, {"min", AggregateOp::kMin},
      {"max", AggregateOp::kMax},     {"sum", AggregateOp::kSum},
  };
  for (const auto& [text, value] : kWords) {
    if (text == word) {
      *op = value;
      return true;
    }
  }
  return false;
}

bool FieldBinaryOp(TokenKind kind, FieldOp* op, int* level) {
  switch (kind) {
    case TokenKind::kAnd:
      *op = FieldOp::kAnd;
      *level = kLevelLogical;
      return true;
    case TokenKind::kOr:
      *op = FieldOp::kOr;
      *level = kLevelLogical;
      return true;
    case TokenKind::kEq:
      *op = FieldOp::kEq;
      break;
    case TokenKind::kNe:
      *op = FieldOp::kNe;
      break;
    case TokenKind::kLt:
      *op = FieldOp::kLt;
      break;
    case TokenKind::kLe:
      *op = FieldOp::kLe;
      break;
    case TokenKind::kGt:
      *op = FieldOp::kGt;
      break;
    case TokenKind::kGe:
      *op = FieldOp::kGe;
      break;
    case TokenKind::kRegex:
      *op = FieldOp::kRegex;
      break;
    case TokenKind::kNotRegex:
      *op = FieldOp::kNotRegex;
      break;
    case TokenKind::kAdd:
      *op = FieldOp::kAdd;
      *level = kLevelAdditive;
      return true;
    case TokenKind::kSub:
      *op = FieldOp::kSub;
      *level = kLevelAdditive;
      return true;
    case TokenKind::kMul:
      *op = FieldOp::kMul;
      *level = kLevelMultiplicative;
      return true;
    case TokenKind::kDiv:
      *op = FieldOp::kDiv;
      *level = kLevelMultiplicative;
      return true;
    case TokenKind::kMod:
      *op = FieldOp::kMod;
      *level = kLevelMultiplicative;
      return true;
    case TokenKind::kPow:
      *op = FieldOp::kPow;
      *level = kLevelPower;
      return true;
    default:
      return false;
  }
  *level = kLevelComparison;
  return true;
}

bool StructuralOp(TokenKind kind, SpansetOp* op) {
  switch (kind) {
    case TokenKind::kGt:
      *op = SpansetOp::kChild;
      return true;
    case TokenKind::kLt:
      *op = SpansetOp::kParent;
      return true;
    case TokenKind::kDescendant:
      *op = SpansetOp::kDescendant;
      return true;
    case TokenKind::kAncestor:
      *op = SpansetOp::kAncestor;
      return true;
    case TokenKind::kTilde:
      *op = SpansetOp::kSibling;
      return true;
    case TokenKind::kNotChild:
      *op = SpansetOp::kNotChild;
      return true;
    case TokenKind::kNotParent:
      *op = SpansetOp::kNotParent;
      return true;
    case TokenKind::kNotDescendant:
      *op = SpansetOp::kNotDescendant;
      return true;
    case TokenKind::kNotAncestor:
      *op = SpansetOp::kNotAncestor;
      return true;
    case TokenKind::kNotRegex:
      *op = SpansetOp::kNotSibling;
      return true;
    case TokenKind::kUnionChild:
      *op = SpansetOp::kUnionChild;
      return true;
    case TokenKind::kUnionParent:
      *op = SpansetOp::kUnionParent;
      return true;
    case TokenKind::kUnionDescendant:
      *op = SpansetOp::kUnionDescendant;
      return true;
    case TokenKind::kUnionAncestor:
      *op = SpansetOp::kUnionAncestor;
      return true;
    case TokenKind::kUnionSibling:
      *op = SpansetOp::kUnionSibling;
      return true;
    default:
      return false;
  }
}

bool ScalarComparisonOp(TokenKind kind, FieldOp* op) {
  switch (kind) {
    case TokenKind::kEq:
      *op = FieldOp::kEq;
      return true;
    case TokenKind::kNe:
      *op = FieldOp::kNe;
      return true;
    case TokenKind::kLt:
      *op = FieldOp::kLt;
      return true;
    case TokenKind::kLe:
      *op = FieldOp::kLe;
      return true;
    case TokenKind::kGt:
      *op = FieldOp::kGt;
      return true;
    case TokenKind::kGe:
      *op = FieldOp::kGe;
      return true;
    default:
      return false;
  }
}

bool ScalarArithmeticOp(TokenKind kind, FieldOp* op, int* level) {
  switch (kind) {
    case TokenKind::kAdd:
      *op = FieldOp::kAdd;
      *level = kLevelAdditive;
      return true;
    case TokenKind::kSub:
      *op = FieldOp::kSub;
      *level = kLevelAdditive;
      return true;
    case TokenKind::kMul:
      *op = FieldOp::kMul;
      *level = kLevelMultiplicative;
      return true;
    case TokenKind::kDiv:
      *op = FieldOp::kDiv;
      *level = kLevelMultiplicative;
      return true;
    case TokenKind::kMod:
      *op = FieldOp::kMod;
      *level = kLevelMultiplicative;
      return true;
    case TokenKind::kPow:
      *op = FieldOp::kPow;
      *level = kLevelPower;
      return true;
    default:
      return false;
  }
}

Intrinsic BareIntrinsic(std::string_view word) {
  for (const NamedIntrinsic& i : kBareIntrinsics) {
    if (word == i.name) return i.intrinsic;
  }
  return Intrinsic::kNone;
}

Intrinsic ScopedIntrinsic(std::string_view scope, std::string_view name) {
  for (const ScopedIntrinsicName& i : kScopedIntrinsics) {
    if (i.scope == scope && i.name == name) return i.intrinsic;
  }
  return Intrinsic::kNone;
}

std::string ScopedIntrinsicNames(std::string_view scope) {
  std::string names;
  for (const ScopedIntrinsicName& i : kScopedIntrinsics) {
    if (i.scope != scope) continue;
    if (!names.empty()) names += ", ";
    names += std::string(i.name);
  }
  return names;
}

}  // namespace tidemark::traceql
