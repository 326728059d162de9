// The checks Prometheus runs on a parsed expression (checkAST in parse.go): operand types of
// operators, functions and aggregations, vector matching and fill modifiers, and selectors that
// could match everything. They run only when parsing found no other error, and report Prometheus'
// messages.
#include <string>
#include <string_view>

#include "query/parser_internal.h"
#include "re2/re2.h"
#include "util/go_text.h"

namespace tidemark::promql::internal {

namespace {

// True if `m` matches the empty string (a selector made only of such matchers selects all).
bool MatchesEmpty(const LabelMatcher& m) {
  switch (m.type) {
    case MatchType::kEqual:
      return m.value.empty();
    case MatchType::kNotEqual:
      return !m.value.empty();
    case MatchType::kRegexMatch:
    case MatchType::kRegexNoMatch: {
      RE2::Options options;
      options.set_log_errors(false);
      RE2 re("^(?s:" + m.value + ")$", options);
      bool matches = re.ok() && RE2::FullMatch("", re);
      return m.type == MatchType::kRegexMatch ? matches : !matches;
    }
  }
  return false;
}

}  // namespace

void Parser::ExpectType(const Expr& expr, ValueType want, std::string_view context) {
  ValueType got = CheckAst(expr);
  if (got != want) {
    AddError(expr.pos.start, "expected type " + std::string(ValueTypeName(want)) + " in " +
                                 std::string(context) + ", got " + std::string(ValueTypeName(got)));
  }
}

ValueType Parser::CheckAst(const Expr& node) {
  const ValueType type = node.type();
  switch (node.kind) {
    case ExprKind::kAggregate:
      CheckAggregate(static_cast<const AggregateExpr&>(node));
      break;
    case ExprKind::kBinary:
      CheckBinary(const_cast<BinaryExpr&>(static_cast<const BinaryExpr&>(node)));
      break;
    case ExprKind::kCall:
      CheckCall(static_cast<const Call&>(node));
      break;
    case ExprKind::kParen:
      CheckAst(*static_cast<const ParenExpr&>(node).expr);
      break;
    case ExprKind::kUnary: {
      ValueType t = CheckAst(*static_cast<const UnaryExpr&>(node).expr);
      if (t != ValueType::kScalar && t != ValueType::kVector) {
        AddError(node.pos.start,
                 "unary expression only allowed on expressions of type scalar or instant "
                 "vector, got " +
                     util::GoQuote(ValueTypeName(t)));
      }
      break;
    }
    case ExprKind::kSubquery: {
      ValueType t = CheckAst(*static_cast<const SubqueryExpr&>(node).expr);
      if (t != ValueType::kVector) {
        AddError(node.pos.start, "subquery is only allowed on instant vector, got " +
                                     std::string(ValueTypeApiName(t)) + " instead");
      }
      break;
    }
    case ExprKind::kMatrixSelector:
      CheckAst(*static_cast<const MatrixSelector&>(node).selector);
      break;
    case ExprKind::kVectorSelector:
      CheckVectorSelector(static_cast<const VectorSelector&>(node));
      break;
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
      break;
  }
  return type;
}

void Parser::CheckAggregate(const AggregateExpr& agg) {
  ExpectType(*agg.expr, ValueType::kVector, "aggregation expression");
  switch (agg.op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kQuantile:
    case AggregateOp::kLimitk:
    case AggregateOp::kLimitRatio:
      ExpectType(*agg.param, ValueType::kScalar, "aggregation parameter");
      break;
    case AggregateOp::kCountValues:
      ExpectType(*agg.param, ValueType::kString, "aggregation parameter");
      break;
    default:
      break;
  }
}

void Parser::CheckBinary(BinaryExpr& b) {
  const ValueType lt = CheckAst(*b.lhs);
  const ValueType rt = CheckAst(*b.rhs);
  const int op_pos = op_pos_.count(&b) ? op_pos_[&b] : b.pos.start;
  const std::string op_name = util::GoQuote(BinaryOpName(b.op));
  if (b.return_bool && !IsComparisonOp(b.op)) {
    AddError(op_pos, "bool modifier can only be used on comparison operators");
  }
  if (IsComparisonOp(b.op) && !b.return_bool && lt == ValueType::kScalar &&
      rt == ValueType::kScalar) {
    AddError(op_pos, "comparisons between scalars must use BOOL modifier");
  }
  VectorMatching* m = b.matching.get();
  if (m != nullptr) {
    if (IsSetOp(b.op) && m->card == MatchCardinality::kOneToOne) {
      m->card = MatchCardinality::kManyToMany;
    }
    for (const std::string& l1 : m->labels) {
      for (const std::string& l2 : m->include) {
        if (l1 == l2 && m->on) {
          AddError(op_pos,
                   "label " + util::GoQuote(l1) + " must not occur in ON and GROUP clause at once");
        }
      }
    }
  }
  if (lt != ValueType::kScalar && lt != ValueType::kVector) {
    AddError(b.lhs->pos.start,
             "binary expression must contain only scalar and instant vector types");
  }
  if (rt != ValueType::kScalar && rt != ValueType::kVector) {
    AddError(b.rhs->pos.start,
             "binary expression must contain only scalar and instant vector types");
  }
  const bool filled = m != nullptr && (m->fill_lhs.has_value() || m->fill_rhs.has_value());
  if ((lt != ValueType::kVector || rt != ValueType::kVector) && filled) {
    AddError(b.pos.start, "filling is only allowed between instant vectors");
  } else if (IsSetOp(b.op) && filled) {
    AddError(b.pos.start, "filling is not allowed for set operation " + op_name);
  }
  if ((lt != ValueType::kVector || rt != ValueType::kVector) && m != nullptr) {
    if (!m->labels.empty()) {
      AddError(b.pos.start, "vector matching only allowed between instant vectors");
    }
    b.matching.reset();
  } else if (IsSetOp(b.op) && m != nullptr) {
    if (m->card == MatchCardinality::kOneToMany || m->card == MatchCardinality::kManyToOne) {
      AddError(b.pos.start, "no grouping allowed for " + op_name + " operation");
    }
    if (m->card != MatchCardinality::kManyToMany) {
      AddError(b.pos.start, "set operations must always be many-to-many");
    }
  }
  if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOp(b.op)) {
    AddError(b.pos.start, "set operator " + op_name + " not allowed in binary scalar expression");
  }
}

void Parser::CheckCall(const Call& call) {
  const FunctionInfo& f = *call.func;
  const int nargs = static_cast<int>(f.arg_types.size());
  const int given = static_cast<int>(call.args.size());
  const std::string quoted = util::GoQuote(f.name);
  if (f.variadic == 0) {
    if (nargs != given) {
      AddError(call.pos.start, "expected " + std::to_string(nargs) + " argument(s) in call to " +
                                   quoted + ", got " + std::to_string(given));
    }
  } else {
    const int at_least = nargs - 1;
    if (at_least > given) {
      AddError(call.pos.start, "expected at least " + std::to_string(at_least) +
                                   " argument(s) in call to " + quoted + ", got " +
                                   std::to_string(given));
    } else if (f.variadic > 0 && at_least + f.variadic < given) {
      AddError(call.pos.start, "expected at most " + std::to_string(at_least + f.variadic) +
                                   " argument(s) in call to " + quoted + ", got " +
                                   std::to_string(given));
    }
  }
  if (f.name == "info" && given > 1) {
    const Expr& selector = *call.args[1];
    if (selector.type() != ValueType::kVector) {
      AddError(call.pos.start, "expected type instant vector in call to function " + quoted +
                                   ", got " + std::string(ValueTypeName(selector.type())));
    }
    if (selector.kind == ExprKind::kVectorSelector &&
        name_outside_.count(static_cast<const VectorSelector*>(&selector))) {
      AddError(selector.pos.start, "expected label selectors only, got vector selector instead");
    } else if (selector.kind == ExprKind::kVectorSelector) {
      bypass_empty_check_.insert(static_cast<const VectorSelector*>(&selector));
    } else {
      AddError(selector.pos.start, "expected label selectors only");
    }
  }
  for (int i = 0; i < given; ++i) {
    int type_index = i;
    if (i >= nargs) {
      if (f.variadic == 0) break;
      type_index = nargs - 1;
    }
    ValueType t = CheckAst(*call.args[i]);
    if (t != f.arg_types[type_index]) {
      AddError(call.args[i]->pos.start,
               "expected type " + std::string(ValueTypeName(f.arg_types[type_index])) +
                   " in call to function " + quoted + ", got " + std::string(ValueTypeName(t)));
    }
  }
}

void Parser::CheckVectorSelector(const VectorSelector& vs) {
  if (name_outside_.count(&vs)) {
    for (size_t i = 1; i < vs.matchers.size(); ++i) {
      if (vs.matchers[i].name == "__name__") {
        AddError(vs.pos.start, "metric name must not be set twice: " + util::GoQuote(vs.name) +
                                   " or " + util::GoQuote(vs.matchers[i].value));
      }
    }
    return;
  }
  if (bypass_empty_check_.count(&vs)) return;
  for (const LabelMatcher& m : vs.matchers) {
    if (!MatchesEmpty(m)) return;
  }
  AddError(vs.pos.start, "vector selector must contain at least one non-empty matcher");
}

}  // namespace tidemark::promql::internal
