#include "storage/span_match.h"

#include <re2/re2.h>

#include <cmath>

namespace tidemark::storage {

CompiledCondition::CompiledCondition(CompiledCondition&&) noexcept = default;
CompiledCondition& CompiledCondition::operator=(CompiledCondition&&) noexcept = default;
CompiledCondition::~CompiledCondition() = default;

Result<CompiledCondition> CompiledCondition::Compile(const SpanCondition& c) {
  CompiledCondition out;
  out.c_ = c;
  if (c.scope == ConditionScope::kIntrinsic) {
    static const std::pair<std::string_view, Intrinsic> kNames[] = {
        {"name", Intrinsic::kName},
        {"kind", Intrinsic::kKind},
        {"status", Intrinsic::kStatus},
        {"status_message", Intrinsic::kStatusMessage},
        {"statusMessage", Intrinsic::kStatusMessage},
        {"duration", Intrinsic::kDuration},
        {"service.name", Intrinsic::kServiceName},
        {"rootServiceName", Intrinsic::kServiceName},
        {"trace_state", Intrinsic::kTraceState}};
    for (const auto& [name, which] : kNames) {
      if (c.key == name) out.intrinsic_ = which;
    }
    if (out.intrinsic_ == Intrinsic::kNone)
      return Status::InvalidArgument("unknown intrinsic \"" + c.key + "\"");
  } else if (c.key.empty()) {
    return Status::InvalidArgument("empty attribute name in condition");
  }
  if (c.op == ConditionOp::kRegex || c.op == ConditionOp::kNotRegex) {
    if (c.value.type != AnyValue::Type::kString) {
      return Status::InvalidArgument("regular expression for \"" + c.key + "\" must be a string");
    }
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);
    out.re_ = std::make_unique<re2::RE2>("^(?:" + c.value.string_value + ")$", opts);
    if (!out.re_->ok()) {
      return Status::InvalidArgument("invalid regular expression \"" + c.value.string_value +
                                     "\": " + out.re_->error());
    }
  }
  return out;
}

Result<std::vector<CompiledCondition>> CompileConditions(
    const std::vector<SpanCondition>& conditions) {
  std::vector<CompiledCondition> out;
  for (const SpanCondition& c : conditions) {
    auto cc = CompiledCondition::Compile(c);
    if (!cc.ok()) return cc.status();
    out.push_back(std::move(cc).value());
  }
  return out;
}

// What decoding the condition's columns costs, more than testing a row: the first conditions
// evaluated decode their columns for every row group, the later ones only where rows are left.
// Kind and status codes are a byte a span that compresses to almost nothing; service names and
// http.status_code small indices or varints; durations a varint of several bytes a span that
// zstd has to work through; names, status messages and trace states the whole dictionary;
// attributes the dictionary and the attribute column.
int CompiledCondition::Cost() const {
  switch (intrinsic_) {
    case Intrinsic::kKind:
    case Intrinsic::kStatus:
      return 0;
    case Intrinsic::kServiceName:
      return 1;
    case Intrinsic::kDuration:
      return 2;
    case Intrinsic::kName:
    case Intrinsic::kStatusMessage:
    case Intrinsic::kTraceState:
      return 3;
    case Intrinsic::kNone:
      return c_.key == "http.status_code" && c_.scope == ConditionScope::kSpan ? 1 : 4;
  }
  return 4;
}

namespace {

template <typename T>
bool Compare(ConditionOp op, T a, T b) {
  switch (op) {
    case ConditionOp::kEq:
      return a == b;
    case ConditionOp::kNe:
      return a != b;
    case ConditionOp::kLt:
      return a < b;
    case ConditionOp::kLe:
      return a <= b;
    case ConditionOp::kGt:
      return a > b;
    case ConditionOp::kGe:
      return a >= b;
    default:
      return false;
  }
}

bool IsNumber(AnyValue::Type t) {
  return t == AnyValue::Type::kInt || t == AnyValue::Type::kDouble;
}

}  // namespace

bool CompiledCondition::Test(const ValueView& v) const {
  switch (c_.op) {
    case ConditionOp::kExists:
      return true;
    case ConditionOp::kNotExists:
      return false;
    case ConditionOp::kRegex:
    case ConditionOp::kNotRegex: {
      if (v.type != AnyValue::Type::kString) return false;
      const bool m = RE2::FullMatch(v.str, *re_);
      return c_.op == ConditionOp::kRegex ? m : !m;
    }
    default:
      break;
  }
  const AnyValue& want = c_.value;
  if (IsNumber(v.type) && IsNumber(want.type)) {
    if (v.type == AnyValue::Type::kInt && want.type == AnyValue::Type::kInt)
      return Compare(c_.op, v.i, want.int_value);
    const double a = v.type == AnyValue::Type::kInt ? static_cast<double>(v.i) : v.d;
    const double b =
        want.type == AnyValue::Type::kInt ? static_cast<double>(want.int_value) : want.double_value;
    return Compare(c_.op, a, b);
  }
  if (v.type == AnyValue::Type::kString && want.type == AnyValue::Type::kString) {
    return Compare(c_.op, v.str, std::string_view(want.string_value));
  }
  if (v.type == AnyValue::Type::kBool && want.type == AnyValue::Type::kBool) {
    return (c_.op == ConditionOp::kEq || c_.op == ConditionOp::kNe) &&
           Compare(c_.op, v.b, want.bool_value);
  }
  return false;
}

namespace {

ValueView ViewOf(const AnyValue& v) {
  ValueView out;
  out.type = v.type;
  out.str = v.string_value;
  out.i = v.int_value;
  out.d = v.double_value;
  out.b = v.bool_value;
  out.complex = &v;
  return out;
}

ValueView StringView(std::string_view s) {
  ValueView v;
  v.type = AnyValue::Type::kString;
  v.str = s;
  return v;
}

ValueView IntView(int64_t i) {
  ValueView v;
  v.type = AnyValue::Type::kInt;
  v.i = i;
  return v;
}

// kind and status compare as their names, or as their numbers.
bool TestEnum(const CompiledCondition& c, std::string_view name, int64_t number) {
  if (c.condition().value.type == AnyValue::Type::kInt) return c.Test(IntView(number));
  return c.Test(StringView(name));
}

const AnyValue* FindIn(const std::vector<KeyValue>& kvs, std::string_view key) {
  for (const KeyValue& kv : kvs) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

bool Result_(const CompiledCondition& c, const ValueView* v) {
  if (v == nullptr) return c.condition().op == ConditionOp::kNotExists;
  return c.Test(*v);
}

}  // namespace

bool MatchesSpan(const std::vector<CompiledCondition>& conditions, const Span& s) {
  for (const CompiledCondition& c : conditions) {
    bool ok;
    switch (c.intrinsic()) {
      case Intrinsic::kName:
        ok = c.Test(StringView(s.name));
        break;
      case Intrinsic::kKind:
        ok = TestEnum(c, SpanKindName(s.kind), static_cast<int64_t>(s.kind));
        break;
      case Intrinsic::kStatus:
        ok = TestEnum(c, SpanStatusName(s.status_code), static_cast<int64_t>(s.status_code));
        break;
      case Intrinsic::kStatusMessage:
        ok = c.Test(StringView(s.status_message));
        break;
      case Intrinsic::kDuration:
        ok = c.Test(IntView(static_cast<int64_t>(s.end_time_unix_nano - s.start_time_unix_nano)));
        break;
      case Intrinsic::kServiceName: {
        const std::string_view service = s.ServiceName();
        ok = c.Test(StringView(service));
        break;
      }
      case Intrinsic::kTraceState:
        ok = c.Test(StringView(s.trace_state));
        break;
      case Intrinsic::kNone: {
        const AnyValue* found = nullptr;
        if (c.condition().scope != ConditionScope::kResource)
          found = FindIn(s.attributes, c.condition().key);
        if (!found && c.condition().scope != ConditionScope::kSpan)
          found = FindIn(s.Resource().attributes, c.condition().key);
        if (found) {
          const ValueView v = ViewOf(*found);
          ok = Result_(c, &v);
        } else {
          ok = Result_(c, nullptr);
        }
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

bool MatchesRow(const CompiledCondition& c, RowGroupReader& rg, uint32_t i, Status* status) {
  auto need = [&](SpanColumn col) {
    if (!rg.loaded(col) && status->ok()) *status = rg.Load(col);
    return status->ok();
  };
  switch (c.intrinsic()) {
    case Intrinsic::kName:
      return need(SpanColumn::kName) && c.Test(StringView(rg.name(i)));
    case Intrinsic::kKind:
      return need(SpanColumn::kKind) &&
             TestEnum(c, SpanKindName(rg.kind(i)), static_cast<int64_t>(rg.kind(i)));
    case Intrinsic::kStatus:
      return need(SpanColumn::kStatus) &&
             TestEnum(c, SpanStatusName(rg.status(i)), static_cast<int64_t>(rg.status(i)));
    case Intrinsic::kStatusMessage:
      return need(SpanColumn::kStatus) && need(SpanColumn::kDict) &&
             c.Test(StringView(rg.status_message(i)));
    case Intrinsic::kDuration:
      return need(SpanColumn::kDuration) && c.Test(IntView(static_cast<int64_t>(rg.duration(i))));
    case Intrinsic::kServiceName:
      return need(SpanColumn::kService) && c.Test(StringView(rg.service_name(i)));
    case Intrinsic::kTraceState:
      return need(SpanColumn::kFlagsState) && c.Test(StringView(rg.trace_state(i)));
    case Intrinsic::kNone:
      break;
  }
  const std::string& key = c.condition().key;
  const ConditionScope scope = c.condition().scope;
  if (scope == ConditionScope::kSpan && key == "http.status_code") {
    // The dedicated column answers unless the value is not an integer.
    if (!need(SpanColumn::kHttpStatus)) return false;
    const int64_t v = rg.http_status(i);
    if (v == RowGroupReader::kHttpStatusAbsent) return Result_(c, nullptr);
    if (v != RowGroupReader::kHttpStatusNotInt) {
      const ValueView view = IntView(v);
      return Result_(c, &view);
    }
  }
  std::optional<ValueView> found;
  bool in_span = scope != ConditionScope::kResource;
  if (in_span && rg.has(SpanColumn::kAttrKeys)) {
    // The key sets say whether the span has the attribute without decoding any attribute: enough
    // for `!= nil` and `= nil`, and for any condition on a span that lacks it.
    if (!need(SpanColumn::kAttrKeys)) return false;
    in_span = rg.HasAttrKey(i, key);
    const ConditionOp op = c.condition().op;
    if (in_span && (op == ConditionOp::kExists || op == ConditionOp::kNotExists)) {
      return op == ConditionOp::kExists;
    }
  }
  if (in_span) {
    if (!need(SpanColumn::kAttrs)) return false;
    const auto& attrs = rg.attrs();
    for (uint32_t k = rg.attr_begin(i); k < rg.attr_begin(i + 1); ++k) {
      const AttrRef& a = attrs[k];
      if (rg.dict(a.key) != key) continue;
      ValueView v;
      v.type = a.type;
      if (a.type == AnyValue::Type::kString || a.type == AnyValue::Type::kBytes)
        v.str = rg.dict(a.dict);
      v.i = a.int_value;
      v.d = a.double_value;
      v.b = a.bool_value;
      found = v;
      break;
    }
  }
  if (!found && scope != ConditionScope::kSpan) {
    if (!need(SpanColumn::kResource)) return false;
    if (const AnyValue* r = FindIn(rg.resource(i).attributes, key)) found = ViewOf(*r);
  }
  return found ? Result_(c, &*found) : Result_(c, nullptr);
}

}  // namespace tidemark::storage
