// The PromQL syntax tree as Prometheus' /api/v1/parse_query returns it.
#include "query/ast.h"
#include "server/prom_json.h"

namespace tidemark::server {
namespace {

using promql::Expr;
using promql::ExprKind;

std::string_view MatchTypeName(MatchType t) {
  switch (t) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegexMatch:
      return "=~";
    case MatchType::kRegexNoMatch:
      return "!~";
  }
  return "=";
}

std::string_view CardName(promql::MatchCardinality c) {
  switch (c) {
    case promql::MatchCardinality::kOneToOne:
      return "one-to-one";
    case promql::MatchCardinality::kManyToOne:
      return "many-to-one";
    case promql::MatchCardinality::kOneToMany:
      return "one-to-many";
    case promql::MatchCardinality::kManyToMany:
      return "many-to-many";
  }
  return "one-to-one";
}

// Prometheus' ValueType names as parse_query reports function signatures.
std::string_view SignatureTypeName(promql::ValueType t) {
  return t == promql::ValueType::kNone ? "none" : promql::ValueTypeApiName(t);
}

void AppendMatchers(std::string* out, const std::vector<LabelMatcher>& matchers) {
  out->push_back('[');
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i) out->push_back(',');
    *out += "{\"name\":";
    AppendJsonString(out, matchers[i].name);
    *out += ",\"value\":";
    AppendJsonString(out, matchers[i].value);
    *out += ",\"type\":";
    AppendJsonString(out, MatchTypeName(matchers[i].type));
    out->push_back('}');
  }
  out->push_back(']');
}

void AppendAt(std::string* out, promql::AtModifier at, int64_t at_ms) {
  *out += ",\"timestamp\":";
  if (at == promql::AtModifier::kTimestamp) {
    *out += std::to_string(at_ms);
  } else {
    *out += "null";
  }
  *out += ",\"startOrEnd\":";
  if (at == promql::AtModifier::kStart) {
    *out += "\"start\"";
  } else if (at == promql::AtModifier::kEnd) {
    *out += "\"end\"";
  } else {
    *out += "null";
  }
}

}  // namespace

void AppendAstJson(std::string* out, const Expr& e) {
  switch (e.kind) {
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const promql::AggregateExpr&>(e);
      *out += "{\"type\":\"aggregation\",\"op\":";
      AppendJsonString(out, promql::AggregateOpName(a.op));
      *out += ",\"expr\":";
      AppendAstJson(out, *a.expr);
      *out += ",\"param\":";
      if (a.param) {
        AppendAstJson(out, *a.param);
      } else {
        *out += "null";
      }
      *out += ",\"grouping\":";
      AppendStringArray(out, a.grouping);
      *out += a.without ? ",\"without\":true}" : ",\"without\":false}";
      break;
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const promql::BinaryExpr&>(e);
      *out += "{\"type\":\"binaryExpr\",\"op\":";
      AppendJsonString(out, promql::BinaryOpName(b.op));
      *out += ",\"lhs\":";
      AppendAstJson(out, *b.lhs);
      *out += ",\"rhs\":";
      AppendAstJson(out, *b.rhs);
      *out += ",\"matching\":";
      if (b.matching) {
        *out += "{\"card\":";
        AppendJsonString(out, CardName(b.matching->card));
        *out += ",\"labels\":";
        AppendStringArray(out, b.matching->labels);
        *out += b.matching->on ? ",\"on\":true" : ",\"on\":false";
        *out += ",\"include\":";
        AppendStringArray(out, b.matching->include);
        out->push_back('}');
      } else {
        *out += "null";
      }
      *out += b.return_bool ? ",\"bool\":true}" : ",\"bool\":false}";
      break;
    }
    case ExprKind::kCall: {
      const auto& c = static_cast<const promql::Call&>(e);
      *out += "{\"type\":\"call\",\"func\":{\"name\":";
      AppendJsonString(out, c.func->name);
      *out += ",\"argTypes\":[";
      for (size_t i = 0; i < c.func->arg_types.size(); ++i) {
        if (i) out->push_back(',');
        AppendJsonString(out, SignatureTypeName(c.func->arg_types[i]));
      }
      *out += "],\"variadic\":" + std::to_string(c.func->variadic) + ",\"returnType\":";
      AppendJsonString(out, SignatureTypeName(c.func->return_type));
      *out += "},\"args\":[";
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i) out->push_back(',');
        AppendAstJson(out, *c.args[i]);
      }
      *out += "]}";
      break;
    }
    case ExprKind::kMatrixSelector: {
      const auto& m = static_cast<const promql::MatrixSelector&>(e);
      const auto& vs = m.vector_selector();
      *out += "{\"type\":\"matrixSelector\",\"name\":";
      AppendJsonString(out, vs.name);
      *out += ",\"range\":" + std::to_string(m.range_ms) +
              ",\"offset\":" + std::to_string(vs.offset_ms) + ",\"matchers\":";
      AppendMatchers(out, vs.matchers);
      AppendAt(out, vs.at, vs.at_ms);
      out->push_back('}');
      break;
    }
    case ExprKind::kSubquery: {
      const auto& s = static_cast<const promql::SubqueryExpr&>(e);
      *out += "{\"type\":\"subquery\",\"expr\":";
      AppendAstJson(out, *s.expr);
      *out += ",\"range\":" + std::to_string(s.range_ms) +
              ",\"offset\":" + std::to_string(s.offset_ms) +
              ",\"step\":" + std::to_string(s.step_ms);
      AppendAt(out, s.at, s.at_ms);
      out->push_back('}');
      break;
    }
    case ExprKind::kNumberLiteral:
      *out += "{\"type\":\"numberLiteral\",\"val\":";
      AppendJsonString(out, FormatSampleValue(static_cast<const promql::NumberLiteral&>(e).value));
      out->push_back('}');
      break;
    case ExprKind::kParen:
      *out += "{\"type\":\"parenExpr\",\"expr\":";
      AppendAstJson(out, *static_cast<const promql::ParenExpr&>(e).expr);
      out->push_back('}');
      break;
    case ExprKind::kStringLiteral:
      *out += "{\"type\":\"stringLiteral\",\"val\":";
      AppendJsonString(out, static_cast<const promql::StringLiteral&>(e).value);
      out->push_back('}');
      break;
    case ExprKind::kUnary: {
      const auto& u = static_cast<const promql::UnaryExpr&>(e);
      *out += u.negate ? "{\"type\":\"unaryExpr\",\"op\":\"-\",\"expr\":"
                       : "{\"type\":\"unaryExpr\",\"op\":\"+\",\"expr\":";
      AppendAstJson(out, *u.expr);
      out->push_back('}');
      break;
    }
    case ExprKind::kVectorSelector: {
      const auto& vs = static_cast<const promql::VectorSelector&>(e);
      *out += "{\"type\":\"vectorSelector\",\"name\":";
      AppendJsonString(out, vs.name);
      *out += ",\"offset\":" + std::to_string(vs.offset_ms) + ",\"matchers\":";
      AppendMatchers(out, vs.matchers);
      AppendAt(out, vs.at, vs.at_ms);
      out->push_back('}');
      break;
    }
  }
}

}  // namespace tidemark::server
