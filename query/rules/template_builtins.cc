// Go's text/template built-in functions (text/template/funcs.go): comparisons with Go's rules
// for basic kinds (an int and a float do not compare: "incompatible types for comparison"),
// index, slice, len, not, and/or (which the executor short-circuits), print, printf, println
// and the html, js and urlquery escapers. Errors are Go's texts.
#include <cstdio>
#include <string>
#include <vector>

#include "query/rules/go_format.h"
#include "query/rules/template_funcs.h"
#include "util/go_text.h"
#include "util/utf8.h"

namespace tidemark::rules::internal {
namespace {

using Args = std::vector<TemplateValue>;

enum class BasicKind { kInvalid, kBool, kInt, kUint, kFloat, kString };

BasicKind KindOf(const TemplateValue& v) {
  switch (v.kind()) {
    case TemplateKind::kBool:
      return BasicKind::kBool;
    case TemplateKind::kInt:
      return BasicKind::kInt;
    case TemplateKind::kUint:
      return BasicKind::kUint;
    case TemplateKind::kFloat:
      return BasicKind::kFloat;
    case TemplateKind::kString:
      return BasicKind::kString;
    default:
      return BasicKind::kInvalid;
  }
}

Status Error(std::string message) { return Status::InvalidArgument(std::move(message)); }

Status BadComparison() { return Error("incompatible types for comparison"); }

// Whether two values of kinds that are not basic are equal: nil equals nil; pointers to
// structs compare by identity; slices, maps and structs of maps cannot be compared.
Result<bool> EqualComposite(const TemplateValue& a, const TemplateValue& b) {
  if (a.IsMissing() || b.IsMissing()) return a.IsMissing() == b.IsMissing();
  if (a.kind() != b.kind()) {
    return Error("non-comparable types " + GoFormatValue(a) + ": " + std::string(a.GoType()) +
                 ", " + std::string(b.GoType()) + ": " + GoFormatValue(b));
  }
  if (a.kind() == TemplateKind::kStruct && a.AsStruct().pointer && b.AsStruct().pointer) {
    return &a.AsStruct() == &b.AsStruct();
  }
  return Error("non-comparable type " + GoFormatValue(b) + ": " + std::string(b.GoType()));
}

Result<bool> Equal(const TemplateValue& a, const TemplateValue& b) {
  const BasicKind ka = KindOf(a);
  const BasicKind kb = KindOf(b);
  if (ka != kb) {
    // Integers compare whatever their signedness.
    if (ka == BasicKind::kInt && kb == BasicKind::kUint) {
      return a.AsInt() >= 0 && static_cast<uint64_t>(a.AsInt()) == b.AsUint();
    }
    if (ka == BasicKind::kUint && kb == BasicKind::kInt) {
      return b.AsInt() >= 0 && a.AsUint() == static_cast<uint64_t>(b.AsInt());
    }
    if (!a.IsMissing() && !b.IsMissing()) return BadComparison();
    return false;
  }
  switch (ka) {
    case BasicKind::kBool:
      return a.AsBool() == b.AsBool();
    case BasicKind::kInt:
      return a.AsInt() == b.AsInt();
    case BasicKind::kUint:
      return a.AsUint() == b.AsUint();
    case BasicKind::kFloat:
      return a.AsFloat() == b.AsFloat();
    case BasicKind::kString:
      return a.AsString() == b.AsString();
    case BasicKind::kInvalid:
      break;
  }
  return EqualComposite(a, b);
}

Result<bool> Less(const TemplateValue& a, const TemplateValue& b) {
  const BasicKind ka = KindOf(a);
  const BasicKind kb = KindOf(b);
  if (ka == BasicKind::kInvalid || kb == BasicKind::kInvalid) {
    return Error("invalid type for comparison");
  }
  if (ka != kb) {
    if (ka == BasicKind::kInt && kb == BasicKind::kUint) {
      return a.AsInt() < 0 || static_cast<uint64_t>(a.AsInt()) < b.AsUint();
    }
    if (ka == BasicKind::kUint && kb == BasicKind::kInt) {
      return b.AsInt() >= 0 && a.AsUint() < static_cast<uint64_t>(b.AsInt());
    }
    return BadComparison();
  }
  switch (ka) {
    case BasicKind::kInt:
      return a.AsInt() < b.AsInt();
    case BasicKind::kUint:
      return a.AsUint() < b.AsUint();
    case BasicKind::kFloat:
      return a.AsFloat() < b.AsFloat();
    case BasicKind::kString:
      return a.AsString() < b.AsString();
    default:
      return Error("invalid type for comparison");
  }
}

Result<TemplateValue> Eq(CallContext&, const Args& args) {
  if (args.size() < 2) return Error("missing argument for comparison");
  for (size_t i = 1; i < args.size(); ++i) {
    auto equal = Equal(args[0], args[i]);
    if (!equal.ok()) return equal.status();
    if (*equal) return TemplateValue::Bool(true);
  }
  return TemplateValue::Bool(false);
}

Result<TemplateValue> Ne(CallContext&, const Args& args) {
  auto equal = Equal(args[0], args[1]);
  if (!equal.ok()) return equal.status();
  return TemplateValue::Bool(!*equal);
}

Result<TemplateValue> Lt(CallContext&, const Args& args) {
  auto less = Less(args[0], args[1]);
  if (!less.ok()) return less.status();
  return TemplateValue::Bool(*less);
}

// a <= b is a < b || a == b.
Result<bool> LessOrEqual(const TemplateValue& a, const TemplateValue& b) {
  auto less = Less(a, b);
  if (!less.ok() || *less) return less;
  return Equal(a, b);
}

Result<TemplateValue> Le(CallContext&, const Args& args) {
  auto le = LessOrEqual(args[0], args[1]);
  if (!le.ok()) return le.status();
  return TemplateValue::Bool(*le);
}

Result<TemplateValue> Gt(CallContext&, const Args& args) {
  auto le = LessOrEqual(args[0], args[1]);
  if (!le.ok()) return le.status();
  return TemplateValue::Bool(!*le);
}

Result<TemplateValue> Ge(CallContext&, const Args& args) {
  auto less = Less(args[0], args[1]);
  if (!less.ok()) return less.status();
  return TemplateValue::Bool(!*less);
}

// The bodies of and/or for a call that is not short-circuited (the executor's usual path
// evaluates arguments lazily instead).
Result<TemplateValue> And(CallContext&, const Args& args) {
  for (const TemplateValue& a : args) {
    if (!a.Truth()) return a;
  }
  return args.back();
}

Result<TemplateValue> Or(CallContext&, const Args& args) {
  for (const TemplateValue& a : args) {
    if (a.Truth()) return a;
  }
  return args.back();
}

Result<TemplateValue> Not(CallContext&, const Args& args) {
  return TemplateValue::Bool(!args[0].Truth());
}

Result<TemplateValue> Len(CallContext&, const Args& args) {
  const TemplateValue& item = args[0];
  switch (item.kind()) {
    case TemplateKind::kString:
    case TemplateKind::kList:
    case TemplateKind::kMap:
      return TemplateValue::Int(static_cast<int64_t>(item.Length()));
    case TemplateKind::kMissing:
      return Error("reflect: call of reflect.Value.Type on zero Value");
    default:
      return Error("len of type " + std::string(item.GoType()));
  }
}

// Go's indexArg: an integer index within [0, cap].
Result<size_t> IndexArg(const TemplateValue& index, size_t cap) {
  int64_t x = 0;
  if (index.kind() == TemplateKind::kInt) {
    x = index.AsInt();
  } else if (index.kind() == TemplateKind::kUint) {
    x = static_cast<int64_t>(index.AsUint());
  } else if (index.IsMissing()) {
    return Error("cannot index slice/array with nil");
  } else {
    return Error("cannot index slice/array with type " + std::string(index.GoType()));
  }
  if (x < 0 || static_cast<uint64_t>(x) > cap) {
    return Error("index out of range: " + std::to_string(x));
  }
  return static_cast<size_t>(x);
}

Result<TemplateValue> Index(CallContext&, const Args& args) {
  TemplateValue item = args[0];
  if (item.IsMissing()) return Error("index of untyped nil");
  for (size_t i = 1; i < args.size(); ++i) {
    const TemplateValue& index = args[i];
    switch (item.kind()) {
      case TemplateKind::kString:
      case TemplateKind::kList: {
        auto x = IndexArg(index, item.Length());
        if (!x.ok()) return x.status();
        if (*x == item.Length()) return Error("index out of range: " + std::to_string(*x));
        if (item.kind() == TemplateKind::kString) {
          item = TemplateValue::Uint(static_cast<unsigned char>(item.AsString()[*x]), "uint8");
        } else {
          TemplateValue element = item.AsList().items[*x];
          item = std::move(element);
        }
        break;
      }
      case TemplateKind::kMap: {
        if (index.IsMissing()) return Error("value is nil; should be of type string");
        if (index.kind() != TemplateKind::kString) {
          return Error("value has type " + std::string(index.GoType()) + "; should be string");
        }
        const TemplateMap& map = item.AsMap();
        auto it = map.entries.find(index.AsString());
        TemplateValue element = it != map.entries.end() ? it->second : map.zero;
        item = std::move(element);
        break;
      }
      case TemplateKind::kMissing:
        return Error("index of nil pointer");
      default:
        return Error("can't index item of type " + std::string(item.GoType()));
    }
  }
  return item;
}

Result<TemplateValue> Slice(CallContext&, const Args& args) {
  const TemplateValue& item = args[0];
  if (item.IsMissing()) return Error("slice of untyped nil");
  const size_t count = args.size() - 1;
  if (count > 3) return Error("too many slice indexes: " + std::to_string(count));
  if (item.kind() == TemplateKind::kString) {
    if (count == 3) return Error("cannot 3-index slice a string");
  } else if (item.kind() != TemplateKind::kList) {
    return Error("can't slice item of type " + std::string(item.GoType()));
  }
  const size_t cap = item.Length();
  size_t idx[3] = {0, item.Length(), cap};
  for (size_t i = 0; i < count; ++i) {
    auto x = IndexArg(args[i + 1], cap);
    if (!x.ok()) return x.status();
    idx[i] = *x;
  }
  if (idx[0] > idx[1]) {
    return Error("invalid slice index: " + std::to_string(idx[0]) + " > " + std::to_string(idx[1]));
  }
  if (count == 3 && idx[1] > idx[2]) {
    return Error("invalid slice index: " + std::to_string(idx[1]) + " > " + std::to_string(idx[2]));
  }
  if (item.kind() == TemplateKind::kString) {
    return TemplateValue::String(item.AsString().substr(idx[0], idx[1] - idx[0]), item.GoType());
  }
  const auto& items = item.AsList().items;
  return TemplateValue::List(
      std::vector<TemplateValue>(items.begin() + static_cast<ptrdiff_t>(idx[0]),
                                 items.begin() + static_cast<ptrdiff_t>(idx[1])),
      std::string(item.GoType()));
}

Result<TemplateValue> Print(CallContext&, const Args& args) {
  return TemplateValue::String(GoSprint(args));
}

Result<TemplateValue> Println(CallContext&, const Args& args) {
  return TemplateValue::String(GoSprintln(args));
}

Result<TemplateValue> Printf(CallContext&, const Args& args) {
  return TemplateValue::String(
      GoSprintf(args[0].AsString(), std::vector<TemplateValue>(args.begin() + 1, args.end())));
}

// Go's evalArgs: a single string argument as it is, anything else as fmt.Sprint prints it.
std::string EscaperInput(const Args& args) {
  if (args.size() == 1 && args[0].kind() == TemplateKind::kString) return args[0].AsString();
  return GoSprint(args);
}

Result<TemplateValue> Html(CallContext&, const Args& args) {
  return TemplateValue::String(util::GoHtmlEscape(EscaperInput(args)));
}

Result<TemplateValue> Js(CallContext&, const Args& args) {
  const std::string s = EscaperInput(args);
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '\'':
          out += "\\'";
          break;
        case '"':
          out += "\\\"";
          break;
        case '<':
          out += "\\u003C";
          break;
        case '>':
          out += "\\u003E";
          break;
        case '&':
          out += "\\u0026";
          break;
        case '=':
          out += "\\u003D";
          break;
        default:
          if (c < ' ') {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    size_t width = 0;
    const char32_t r = util::DecodeUtf8Rune(s, i, &width);
    if (util::GoIsPrint(r)) {
      out.append(s, i, width);
    } else {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(r));
      out += buf;
    }
    i += width;
  }
  return TemplateValue::String(std::move(out));
}

Result<TemplateValue> UrlQuery(CallContext&, const Args& args) {
  return TemplateValue::String(GoQueryEscape(EscaperInput(args)));
}

}  // namespace

std::string GoQueryEscape(std::string_view s) {
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

const std::vector<FunctionSpec>& BuiltinFunctions() {
  using P = ParamType;
  static const std::vector<FunctionSpec> functions = {
      {"and", {P::kValue}, true, P::kValue, And, true},
      {"or", {P::kValue}, true, P::kValue, Or, true},
      {"not", {P::kValue}, false, P::kValue, Not, true},
      {"len", {P::kValue}, false, P::kValue, Len, true},
      {"index", {P::kValue}, true, P::kValue, Index, true},
      {"slice", {P::kValue}, true, P::kValue, Slice, true},
      {"print", {}, true, P::kAny, Print, true},
      {"printf", {P::kString}, true, P::kAny, Printf, true},
      {"println", {}, true, P::kAny, Println, true},
      {"html", {}, true, P::kAny, Html, true},
      {"js", {}, true, P::kAny, Js, true},
      {"urlquery", {}, true, P::kAny, UrlQuery, true},
      {"eq", {P::kValue}, true, P::kValue, Eq, true},
      {"ne", {P::kValue, P::kValue}, false, P::kValue, Ne, true},
      {"lt", {P::kValue, P::kValue}, false, P::kValue, Lt, true},
      {"le", {P::kValue, P::kValue}, false, P::kValue, Le, true},
      {"gt", {P::kValue, P::kValue}, false, P::kValue, Gt, true},
      {"ge", {P::kValue, P::kValue}, false, P::kValue, Ge, true},
  };
  return functions;
}

std::string_view ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kValue:
      return "reflect.Value";
    case ParamType::kAny:
      return "interface {}";
    case ParamType::kString:
      return "string";
    case ParamType::kFloat64:
      return "float64";
    case ParamType::kSample:
      return kSampleType;
    case ParamType::kQueryResult:
      return kQueryResultType;
  }
  return "interface {}";
}

const FunctionSpec* FindFunction(std::string_view name) {
  for (const auto* table : {&BuiltinFunctions(), &PrometheusFunctions()}) {
    for (const FunctionSpec& f : *table) {
      if (f.name == name) return &f;
    }
  }
  return nullptr;
}

}  // namespace tidemark::rules::internal
