#include "query/traceql/evaluator.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstring>

#include "query/traceql/structural.h"
#include "util/status_macros.h"

namespace tidemark::traceql {
namespace {

RE2::Options RegexOptions() {
  // As the storage's SpanCondition regexes (storage/span_match.cc), so that a pushed-down regex
  // condition accepts whatever the evaluator accepts.
  RE2::Options options;
  options.set_log_errors(false);
  options.set_dot_nl(true);
  return options;
}

bool IsIdIntrinsic(const Node& node) {
  if (node.kind != NodeKind::kAttribute) return false;
  switch (node.intrinsic) {
    case Intrinsic::kTraceId:
    case Intrinsic::kSpanId:
    case Intrinsic::kParentId:
    case Intrinsic::kLinkTraceId:
    case Intrinsic::kLinkSpanId:
      return true;
    default:
      return false;
  }
}

bool ReadsEvents(const Node& node) {
  return node.kind == NodeKind::kAttribute &&
         (node.scope == AttributeScope::kEvent || node.intrinsic == Intrinsic::kEventName ||
          node.intrinsic == Intrinsic::kEventTimeSinceStart);
}

bool ReadsLinks(const Node& node) {
  return node.kind == NodeKind::kAttribute &&
         (node.scope == AttributeScope::kLink || node.intrinsic == Intrinsic::kLinkTraceId ||
          node.intrinsic == Intrinsic::kLinkSpanId);
}

// Intrinsics search results carry as span fields, or per trace: not repeated as attributes.
bool ReportedAsAttribute(const Node& node) {
  switch (node.intrinsic) {
    case Intrinsic::kName:
    case Intrinsic::kDuration:
    case Intrinsic::kSpanId:
    case Intrinsic::kTraceDuration:
    case Intrinsic::kTraceRootName:
    case Intrinsic::kTraceRootService:
    case Intrinsic::kTraceId:
    case Intrinsic::kParent:
    case Intrinsic::kChildCount:
      return false;
    default:
      return !node.parent;
  }
}

bool SameAttribute(const Node& a, const Node& b) {
  return a.scope == b.scope && a.intrinsic == b.intrinsic && a.parent == b.parent &&
         a.text == b.text;
}

const AnyValue* Find(const std::vector<KeyValue>& attributes, std::string_view key) {
  for (const KeyValue& kv : attributes) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

bool EqualIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// A hashable rendering of a value, for by().
std::string GroupKey(const Value& v) {
  std::string key(1, static_cast<char>(v.type));
  switch (v.type) {
    case ValueType::kString:
      key.append(v.s);
      break;
    case ValueType::kFloat: {
      double f = v.f;
      if (f != f) f = 0;  // all NaNs in one group
      char bytes[sizeof(double)];
      std::memcpy(bytes, &f, sizeof(f));
      key.append(bytes, sizeof(bytes));
      break;
    }
    case ValueType::kBool:
      key.push_back(v.b ? '1' : '0');
      break;
    case ValueType::kNil:
    case ValueType::kOpaque:
      break;
    default: {
      char bytes[sizeof(int64_t)];
      std::memcpy(bytes, &v.i, sizeof(v.i));
      key.append(bytes, sizeof(bytes));
    }
  }
  return key;
}

std::vector<uint32_t> UnionOf(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

CompiledQuery::~CompiledQuery() = default;

Result<std::unique_ptr<CompiledQuery>> CompiledQuery::Compile(std::string_view text,
                                                              const ParseOptions& options) {
  TM_ASSIGN_OR_RETURN(Query query, ParseAndValidate(text, options));
  std::unique_ptr<CompiledQuery> compiled(new CompiledQuery());
  compiled->query_ = std::move(query);
  compiled->Prepare(*compiled->query_.root);
  return compiled;
}

void CompiledQuery::Prepare(const Node& root) {
  std::vector<const Node*> pending = {&root};
  while (!pending.empty()) {
    const Node* node = pending.back();
    pending.pop_back();
    for (const NodePtr& child : node->children) pending.push_back(child.get());
    if (node->kind == NodeKind::kBinary &&
        (node->op == FieldOp::kRegex || node->op == FieldOp::kNotRegex)) {
      const Node& rhs = *node->children[1];
      if (rhs.kind == NodeKind::kStatic && rhs.static_type == ValueType::kString) {
        regexes_[node] = std::make_unique<re2::RE2>(rhs.text, RegexOptions());
      }
    } else if (node->kind == NodeKind::kSpansetFilter) {
      Scopes scopes;
      std::vector<const Node*> walk = {node->children[0].get()};
      while (!walk.empty()) {
        const Node* n = walk.back();
        walk.pop_back();
        scopes.events = scopes.events || ReadsEvents(*n);
        scopes.links = scopes.links || ReadsLinks(*n);
        for (const NodePtr& child : n->children) walk.push_back(child.get());
      }
      scopes_[node->children[0].get()] = scopes;
    } else if (node->kind == NodeKind::kAttribute && ReportedAsAttribute(*node)) {
      const bool seen = std::any_of(reported_.begin(), reported_.end(),
                                    [&](const Node* r) { return SameAttribute(*r, *node); });
      if (!seen) reported_.push_back(node);
    }
  }
  // The walk visits the tree right to left; report in the order the query names them.
  std::sort(reported_.begin(), reported_.end(),
            [](const Node* a, const Node* b) { return a->pos < b->pos; });
}

const re2::RE2* CompiledQuery::RegexFor(const Node* binary) const {
  auto it = regexes_.find(binary);
  return it == regexes_.end() ? nullptr : it->second.get();
}

CompiledQuery::Scopes CompiledQuery::ScopesOf(const Node* expr) const {
  auto it = scopes_.find(expr);
  return it == scopes_.end() ? Scopes{} : it->second;
}

TraceEvaluator::TraceEvaluator(const CompiledQuery& query, const std::vector<Span>& spans,
                               const TraceSummary* summary)
    : query_(query), trace_(spans, summary) {}

Result<std::vector<EvaluatedSpanset>> TraceEvaluator::Evaluate() {
  Spanset all;
  all.spans.resize(trace_.size());
  for (uint32_t i = 0; i < trace_.size(); ++i) all.spans[i] = i;
  std::vector<Spanset> input;
  if (!all.spans.empty()) input.push_back(std::move(all));
  TM_ASSIGN_OR_RETURN(std::vector<Spanset> sets, Run(*query_.query().root, std::move(input)));
  std::vector<EvaluatedSpanset> out;
  for (Spanset& set : sets) {
    if (set.spans.empty()) continue;
    EvaluatedSpanset e;
    e.spans = std::move(set.spans);
    for (const auto& [name, value] : set.attributes)
      e.attributes.push_back({name, ToAnyValue(value)});
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<TraceEvaluator::Spanset>> TraceEvaluator::Run(const Node& node,
                                                                 std::vector<Spanset> input) const {
  std::vector<Spanset> out;
  switch (node.kind) {
    case NodeKind::kPipeline:
      for (const NodePtr& stage : node.children) {
        TM_ASSIGN_OR_RETURN(input, Run(*stage, std::move(input)));
        if (input.empty()) break;
      }
      return input;
    case NodeKind::kSpansetFilter: {
      const Node& expr = *node.children[0];
      for (Spanset& set : input) {
        std::vector<uint32_t> matched;
        for (uint32_t i : set.spans) {
          if (FilterMatches(expr, i)) matched.push_back(i);
        }
        if (matched.empty()) continue;
        set.spans = std::move(matched);
        out.push_back(std::move(set));
      }
      return out;
    }
    case NodeKind::kSpansetOperation:
      return RunSpansetOperation(node, std::move(input));
    case NodeKind::kScalarFilter: {
      const Node& lhs = *node.children[0];
      const Value rhs = FromStatic(*node.children[1]);
      std::vector<Spanset> scored;
      // The left side is an aggregate, or a wrapped pipeline ending with one: either sets the
      // spansets' scalar.
      TM_ASSIGN_OR_RETURN(scored, Run(lhs, std::move(input)));
      for (Spanset& set : scored) {
        if (CompareValues(node.op, set.scalar, rhs, nullptr)) out.push_back(std::move(set));
      }
      return out;
    }
    case NodeKind::kAggregate: {
      const std::string name = FormatNode(node);
      for (Spanset& set : input) {
        set.scalar = Aggregate(node, set);
        set.attributes.push_back({name, set.scalar});
        out.push_back(std::move(set));
      }
      return out;
    }
    case NodeKind::kGroup: {
      const Node& expr = *node.children[0];
      const std::string name = FormatNode(node);
      for (const Spanset& set : input) {
        std::unordered_map<std::string, size_t> index;
        for (uint32_t i : set.spans) {
          const Value key = EvalField(expr, i, -1, -1);
          auto [it, inserted] = index.emplace(GroupKey(key), out.size());
          if (inserted) {
            Spanset group;
            group.attributes = set.attributes;
            group.attributes.push_back({name, key});
            out.push_back(std::move(group));
          }
          out[it->second].spans.push_back(i);
        }
      }
      return out;
    }
    case NodeKind::kCoalesce: {
      Spanset merged;
      for (const Spanset& set : input) merged.spans = UnionOf(merged.spans, set.spans);
      if (!merged.spans.empty()) out.push_back(std::move(merged));
      return out;
    }
    case NodeKind::kSelect:
      return input;  // the selected attributes are reported per span
    default:
      return Status::Internal("cannot evaluate " + FormatNode(node) + " as a pipeline stage");
  }
}

Result<std::vector<TraceEvaluator::Spanset>> TraceEvaluator::RunSpansetOperation(
    const Node& node, std::vector<Spanset> input) const {
  std::vector<Spanset> out;
  for (Spanset& set : input) {
    TM_ASSIGN_OR_RETURN(std::vector<Spanset> lhs, Run(*node.children[0], {set}));
    TM_ASSIGN_OR_RETURN(std::vector<Spanset> rhs, Run(*node.children[1], {set}));
    std::vector<uint32_t> spans;
    const SpansetOp op = node.spanset_op;
    if (op == SpansetOp::kAnd || op == SpansetOp::kUnion) {
      const bool matches =
          op == SpansetOp::kAnd ? !lhs.empty() && !rhs.empty() : !lhs.empty() || !rhs.empty();
      if (!matches) continue;
      for (const Spanset& s : lhs) spans = UnionOf(spans, s.spans);
      for (const Spanset& s : rhs) spans = UnionOf(spans, s.spans);
    } else {
      if (lhs.empty() || rhs.empty()) continue;
      if (lhs.size() > 1 || rhs.size() > 1) {
        return Status::InvalidArgument(
            "spanset operators are not supported for multiple spansets per trace, consider "
            "using coalesce(): " +
            FormatNode(node));
      }
      if (rhs[0].spans.empty()) continue;
      spans = StructuralJoin(trace_.nested_sets(), op, lhs[0].spans, rhs[0].spans);
    }
    if (spans.empty()) continue;
    // As Tempo: the input spanset with the matching spans (its attributes kept, the sides' not).
    set.spans = std::move(spans);
    out.push_back(std::move(set));
  }
  return out;
}

bool TraceEvaluator::FilterMatches(const Node& expr, uint32_t i) const {
  const CompiledQuery::Scopes scopes = query_.ScopesOf(&expr);
  const Span& span = trace_.span(i);
  const int events = scopes.events ? static_cast<int>(span.events.size()) : 0;
  const int links = scopes.links ? static_cast<int>(span.links.size()) : 0;
  if (events == 0 && links == 0) return EvalField(expr, i, -1, -1).IsTrue();
  // Each event (and link) in turn; a scope without elements is evaluated once, unbound.
  for (int e = events > 0 ? 0 : -1; e < std::max(events, 0); ++e) {
    for (int l = links > 0 ? 0 : -1; l < std::max(links, 0); ++l) {
      if (EvalField(expr, i, e, l).IsTrue()) return true;
    }
  }
  return false;
}

Value TraceEvaluator::Aggregate(const Node& aggregate, const Spanset& set) const {
  if (aggregate.aggregate == AggregateOp::kCount) {
    return Value::Int(static_cast<int64_t>(set.spans.size()));
  }
  const Node& expr = *aggregate.children[0];
  Value best;
  bool all_int = true;
  bool all_duration = true;
  int64_t int_sum = 0;
  double float_sum = 0;
  int64_t count = 0;
  for (uint32_t i : set.spans) {
    const Value v = EvalField(expr, i, -1, -1);
    if (!v.IsNumeric()) continue;
    ++count;
    all_int = all_int && v.type == ValueType::kInt;
    all_duration = all_duration && v.type == ValueType::kDuration;
    if (v.type != ValueType::kFloat) {
      int_sum = static_cast<int64_t>(static_cast<uint64_t>(int_sum) + static_cast<uint64_t>(v.i));
    }
    float_sum += v.AsDouble();
    if (best.type == ValueType::kNil ||
        (aggregate.aggregate == AggregateOp::kMax &&
         CompareValues(FieldOp::kGt, v, best, nullptr)) ||
        (aggregate.aggregate == AggregateOp::kMin &&
         CompareValues(FieldOp::kLt, v, best, nullptr))) {
      best = v;
    }
  }
  if (count == 0) return Value::Nil();
  switch (aggregate.aggregate) {
    case AggregateOp::kMin:
    case AggregateOp::kMax:
      return best;
    case AggregateOp::kSum:
      if (all_int) return Value::Int(int_sum);
      if (all_duration) return Value::Duration(int_sum);
      return Value::Float(float_sum);
    case AggregateOp::kAvg:
      // Tempo averages durations into a duration and everything else into a float.
      if (all_duration) return Value::Duration(int_sum / count);
      return Value::Float(float_sum / static_cast<double>(count));
    default:
      return Value::Nil();
  }
}

Value TraceEvaluator::EvalField(const Node& expr, uint32_t i, int event, int link) const {
  switch (expr.kind) {
    case NodeKind::kStatic:
      return FromStatic(expr);
    case NodeKind::kAttribute:
      return Lookup(expr, i, event, link);
    case NodeKind::kUnary: {
      const Value v = EvalField(*expr.children[0], i, event, link);
      switch (expr.op) {
        case FieldOp::kExists:
          return Value::Bool(v.type != ValueType::kNil);
        case FieldOp::kNotExists:
          return Value::Bool(v.type == ValueType::kNil);
        case FieldOp::kNot:
          return v.type == ValueType::kBool ? Value::Bool(!v.b) : Value::Nil();
        case FieldOp::kNeg:
          if (v.type == ValueType::kFloat) return Value::Float(-v.f);
          if (v.type == ValueType::kInt || v.type == ValueType::kDuration) {
            Value out = v;
            out.i = static_cast<int64_t>(0 - static_cast<uint64_t>(v.i));
            return out;
          }
          return Value::Nil();
        default:
          return Value::Nil();
      }
    }
    case NodeKind::kBinary: {
      const Node& lhs_node = *expr.children[0];
      const Node& rhs_node = *expr.children[1];
      if (expr.op == FieldOp::kAnd) {
        return Value::Bool(EvalField(lhs_node, i, event, link).IsTrue() &&
                           EvalField(rhs_node, i, event, link).IsTrue());
      }
      if (expr.op == FieldOp::kOr) {
        return Value::Bool(EvalField(lhs_node, i, event, link).IsTrue() ||
                           EvalField(rhs_node, i, event, link).IsTrue());
      }
      const Value lhs = EvalField(lhs_node, i, event, link);
      const Value rhs = EvalField(rhs_node, i, event, link);
      if (!IsComparisonOp(expr.op)) return Arithmetic(expr.op, lhs, rhs);
      if (expr.op == FieldOp::kRegex || expr.op == FieldOp::kNotRegex) {
        const re2::RE2* regex = query_.RegexFor(&expr);
        if (regex != nullptr) return Value::Bool(CompareValues(expr.op, lhs, rhs, regex));
        if (rhs.type != ValueType::kString) return Value::Bool(false);
        const re2::RE2 dynamic(rhs.s, RegexOptions());
        if (!dynamic.ok()) return Value::Bool(false);
        return Value::Bool(CompareValues(expr.op, lhs, rhs, &dynamic));
      }
      // Ids are hex: compare them without regard to case.
      if ((expr.op == FieldOp::kEq || expr.op == FieldOp::kNe) &&
          (IsIdIntrinsic(lhs_node) || IsIdIntrinsic(rhs_node)) && lhs.type == ValueType::kString &&
          rhs.type == ValueType::kString) {
        return Value::Bool(EqualIgnoringCase(lhs.s, rhs.s) == (expr.op == FieldOp::kEq));
      }
      return Value::Bool(CompareValues(expr.op, lhs, rhs, nullptr));
    }
    default:
      return Value::Nil();
  }
}

Value TraceEvaluator::Lookup(const Node& attribute, uint32_t i, int event, int link) const {
  const Span& span = trace_.span(i);
  const int event_index = event >= 0 ? event : span.events.empty() ? -1 : 0;
  const int link_index = link >= 0 ? link : span.links.empty() ? -1 : 0;
  switch (attribute.intrinsic) {
    case Intrinsic::kNone:
      break;
    case Intrinsic::kDuration:
      return Value::Duration(
          span.end_time_unix_nano > span.start_time_unix_nano
              ? static_cast<int64_t>(span.end_time_unix_nano - span.start_time_unix_nano)
              : 0);
    case Intrinsic::kName:
      return Value::String(span.name);
    case Intrinsic::kStatus:
      return Value::Status(span.status_code);
    case Intrinsic::kStatusMessage:
      return Value::String(span.status_message);
    case Intrinsic::kKind:
      return Value::Kind(span.kind);
    case Intrinsic::kTraceDuration:
      return Value::Duration(static_cast<int64_t>(trace_.duration_nano()));
    case Intrinsic::kTraceRootName:
      return trace_.has_root() ? Value::String(trace_.root_span_name()) : Value::Nil();
    case Intrinsic::kTraceRootService:
      return trace_.has_root() ? Value::String(trace_.root_service_name()) : Value::Nil();
    case Intrinsic::kTraceId:
      return Value::String(trace_.trace_id_hex());
    case Intrinsic::kSpanId:
      return Value::String(trace_.span_id_hex(i));
    case Intrinsic::kParentId:
      return span.parent_span_id.empty() ? Value::Nil() : Value::String(trace_.parent_id_hex(i));
    case Intrinsic::kNestedSetLeft:
      return Value::Int(trace_.nested_set(i).left);
    case Intrinsic::kNestedSetRight:
      return Value::Int(trace_.nested_set(i).right);
    case Intrinsic::kNestedSetParent:
      return Value::Int(trace_.nested_set(i).parent);
    case Intrinsic::kEventName:
      if (event_index < 0) return Value::Nil();
      return Value::String(span.events[event_index].name);
    case Intrinsic::kEventTimeSinceStart:
      if (event_index < 0) return Value::Nil();
      return Value::Duration(static_cast<int64_t>(span.events[event_index].time_unix_nano -
                                                  span.start_time_unix_nano));
    case Intrinsic::kLinkTraceId:
      if (link_index < 0) return Value::Nil();
      return Value::String(trace_.link_trace_id_hex(i, link_index));
    case Intrinsic::kLinkSpanId:
      if (link_index < 0) return Value::Nil();
      return Value::String(trace_.link_span_id_hex(i, link_index));
    case Intrinsic::kInstrumentationName:
      return Value::String(span.Scope().name);
    case Intrinsic::kInstrumentationVersion:
      return Value::String(span.Scope().version);
    default:
      return Value::Nil();
  }
  const AnyValue* found = nullptr;
  switch (attribute.scope) {
    case AttributeScope::kNone:
      found = Find(span.attributes, attribute.text);
      if (found == nullptr) found = Find(span.Resource().attributes, attribute.text);
      break;
    case AttributeScope::kSpan:
      found = Find(span.attributes, attribute.text);
      break;
    case AttributeScope::kResource:
      found = Find(span.Resource().attributes, attribute.text);
      break;
    case AttributeScope::kInstrumentation:
      found = Find(span.Scope().attributes, attribute.text);
      break;
    case AttributeScope::kEvent:
      if (event >= 0) {
        found = Find(span.events[event].attributes, attribute.text);
      } else {
        for (const SpanEvent& e : span.events) {
          if ((found = Find(e.attributes, attribute.text)) != nullptr) break;
        }
      }
      break;
    case AttributeScope::kLink:
      if (link >= 0) {
        found = Find(span.links[link].attributes, attribute.text);
      } else {
        for (const SpanLink& l : span.links) {
          if ((found = Find(l.attributes, attribute.text)) != nullptr) break;
        }
      }
      break;
  }
  return found == nullptr ? Value::Nil() : FromAnyValue(*found);
}

std::vector<KeyValue> TraceEvaluator::SpanAttributes(uint32_t i) const {
  std::vector<KeyValue> out;
  for (const Node* attribute : query_.reported_attributes()) {
    const Value v = Lookup(*attribute, i, -1, -1);
    if (v.type == ValueType::kNil) continue;
    std::string key = attribute->intrinsic == Intrinsic::kNone
                          ? attribute->text
                          : std::string(IntrinsicName(attribute->intrinsic));
    out.push_back({std::move(key), ToAnyValue(v)});
  }
  return out;
}

}  // namespace tidemark::traceql
