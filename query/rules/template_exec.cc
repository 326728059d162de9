// Template execution: a port of Go's text/template/exec.go. The Eval*/Walk* methods are Go's
// functions of the same names and call At() where Go calls s.at(), because Go's error messages
// name the node last visited ("at <humanize $value>"), which is not always the failing one.
// Go unwinds with panics; here every step returns a Status, and {{break}}/{{continue}} travel
// back to their range as a Flow.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "query/rules/go_format.h"
#include "query/rules/template.h"
#include "query/rules/template_ast.h"
#include "query/rules/template_funcs.h"
#include "util/go_text.h"
#include "util/status_macros.h"

namespace tidemark::rules {
namespace internal {
namespace {

// The stack an execution may use below its entry point. Nesting is bounded by the parse depth
// and the call depth, but their product is not, so recursion is checked against the stack
// itself: an error rather than an overflow, whatever the build's frame sizes.
constexpr uintptr_t kMaxStackBytes = 256 * 1024;

enum class Flow { kNormal, kBreak, kContinue };

bool IsHexInt(std::string_view s) {
  return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
         s.find_first_of("pP") == std::string_view::npos;
}

bool CanBeNil(ParamType type) { return type != ParamType::kString && type != ParamType::kFloat64; }

class Executor {
 public:
  Executor(const ParsedTemplate& tmpl, const TemplateEnv& env)
      : tmpl_(tmpl), options_(tmpl.options), ctx_{env, tmpl.options, 0}, name_(tmpl.name) {}

  Result<std::string> Run(const TemplateValue& dot) {
    stack_base_ = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    auto it = tmpl_.trees.find(tmpl_.name);
    if (it == tmpl_.trees.end()) {
      return Errorf(util::GoQuote(tmpl_.name) + " is an incomplete or empty template");
    }
    vars_.push_back({"$", dot});
    TM_ASSIGN_OR_RETURN(Flow flow, Walk(dot, *it->second));
    (void)flow;
    return std::move(out_);
  }

 private:
  struct Variable {
    std::string name;
    TemplateValue value;
  };

  void At(const Node& node) { node_ = &node; }

  Status Errorf(const std::string& message, StatusCode code = StatusCode::kInvalidArgument) {
    if (node_ == nullptr) return Status(code, "template: " + name_ + ": " + message);
    return Status(code, "template: " + ErrorLocation(tmpl_, node_->pos) + ": executing " +
                            util::GoQuote(name_) + " at <" + NodeString(*node_) + ">: " + message);
  }

  // One unit of work, and a check of the stack: every recursion passes through here.
  Status Step() {
    if (++steps_ > options_.max_steps) {
      return Errorf(
          "execution exceeded the limit of " + std::to_string(options_.max_steps) + " steps",
          StatusCode::kResourceExhausted);
    }
    const auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    if (stack_base_ > here && stack_base_ - here > kMaxStackBytes) {
      return Errorf("execution nested too deeply", StatusCode::kResourceExhausted);
    }
    return Status::OK();
  }

  Status Write(std::string_view s) {
    out_ += s;
    if (out_.size() > options_.max_output_bytes) {
      return Errorf(
          "output exceeds the limit of " + std::to_string(options_.max_output_bytes) + " bytes",
          StatusCode::kResourceExhausted);
    }
    return Status::OK();
  }

  // ---- Variables ---------------------------------------------------------------------------

  Result<TemplateValue> VarValue(const std::string& name) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) return vars_[i].value;
    }
    return Errorf("undefined variable: " + name);
  }

  Status SetVar(const std::string& name, const TemplateValue& value) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) {
        vars_[i].value = value;
        return Status::OK();
      }
    }
    return Errorf("undefined variable: " + name);
  }

  // ---- Walking the tree --------------------------------------------------------------------

  Result<Flow> Walk(const TemplateValue& dot, const Node& node) {
    TM_RETURN_IF_ERROR(Step());
    At(node);
    switch (node.type) {
      case NodeType::kAction: {
        const auto& action = static_cast<const ActionNode&>(node);
        // Declared variables persist to the enclosing {{end}}; a declaration prints nothing.
        TM_ASSIGN_OR_RETURN(TemplateValue value, EvalPipeline(dot, action.pipe.get()));
        if (action.pipe->decl.empty()) TM_RETURN_IF_ERROR(PrintValue(node, value));
        return Flow::kNormal;
      }
      case NodeType::kIf:
      case NodeType::kWith:
        return WalkIfOrWith(dot, static_cast<const BranchNode&>(node));
      case NodeType::kList:
        for (const NodePtr& n : static_cast<const ListNode&>(node).nodes) {
          TM_ASSIGN_OR_RETURN(Flow flow, Walk(dot, *n));
          if (flow != Flow::kNormal) return flow;
        }
        return Flow::kNormal;
      case NodeType::kRange:
        return WalkRange(dot, static_cast<const BranchNode&>(node));
      case NodeType::kTemplate:
        return WalkTemplate(dot, static_cast<const TemplateNode&>(node));
      case NodeType::kText:
        TM_RETURN_IF_ERROR(Write(static_cast<const TextNode&>(node).text));
        return Flow::kNormal;
      case NodeType::kBreak:
        return Flow::kBreak;
      case NodeType::kContinue:
        return Flow::kContinue;
      default:
        return Errorf("unknown node: " + NodeString(node));
    }
  }

  Result<Flow> WalkIfOrWith(const TemplateValue& dot, const BranchNode& node) {
    const size_t mark = vars_.size();
    TM_ASSIGN_OR_RETURN(TemplateValue value, EvalPipeline(dot, node.pipe.get()));
    Result<Flow> flow = Flow::kNormal;
    if (value.Truth()) {
      flow = Walk(node.type == NodeType::kWith ? value : dot, *node.list);
    } else if (node.else_list) {
      flow = Walk(dot, *node.else_list);
    }
    vars_.resize(mark);
    return flow;
  }

  // One iteration of a range body with its variables set; false once {{break}} ran.
  Result<bool> RangeIteration(const BranchNode& r, size_t mark, const TemplateValue& index,
                              const TemplateValue& elem) {
    TM_RETURN_IF_ERROR(Step());
    const auto& decl = r.pipe->decl;
    if (!decl.empty()) {
      if (r.pipe->is_assign) {
        TM_RETURN_IF_ERROR(SetVar(decl[0]->ident[0], decl.size() > 1 ? index : elem));
      } else {
        vars_[vars_.size() - 1].value = elem;  // with two variables, the second
      }
    }
    if (decl.size() > 1) {
      if (r.pipe->is_assign) {
        TM_RETURN_IF_ERROR(SetVar(decl[1]->ident[0], elem));
      } else {
        vars_[vars_.size() - 2].value = index;
      }
    }
    Result<Flow> flow = Walk(elem, *r.list);
    vars_.resize(mark);
    if (!flow.ok()) return flow.status();
    return *flow != Flow::kBreak;
  }

  Result<Flow> WalkRange(const TemplateValue& dot, const BranchNode& r) {
    At(r);
    const size_t outer_mark = vars_.size();
    TM_ASSIGN_OR_RETURN(TemplateValue value, EvalPipeline(dot, r.pipe.get()));
    const size_t mark = vars_.size();  // the body's variables go above this
    bool iterated = false;
    switch (value.kind()) {
      case TemplateKind::kList: {
        const auto& items = value.AsList().items;
        for (size_t i = 0; i < items.size(); ++i) {
          iterated = true;
          TM_ASSIGN_OR_RETURN(
              bool more,
              RangeIteration(r, mark, TemplateValue::Int(static_cast<int64_t>(i)), items[i]));
          if (!more) break;
        }
        break;
      }
      case TemplateKind::kMap:
        for (const auto& [key, element] : value.AsMap().entries) {
          iterated = true;
          TM_ASSIGN_OR_RETURN(bool more,
                              RangeIteration(r, mark, TemplateValue::String(key), element));
          if (!more) break;
        }
        break;
      case TemplateKind::kInt:
      case TemplateKind::kUint: {
        // Go 1.22: {{range 3}} runs with 0, 1, 2, each of the integer's type.
        if (r.pipe->decl.size() > 1) {
          return Errorf("can't use " + GoFormatValue(value) +
                        " to iterate over more than one variable");
        }
        const bool is_int = value.kind() == TemplateKind::kInt;
        const uint64_t n = is_int ? (value.AsInt() > 0 ? static_cast<uint64_t>(value.AsInt()) : 0)
                                  : value.AsUint();
        for (uint64_t i = 0; i < n; ++i) {
          iterated = true;
          const TemplateValue elem =
              is_int ? TemplateValue::Int(static_cast<int64_t>(i), value.GoType())
                     : TemplateValue::Uint(i, value.GoType());
          TM_ASSIGN_OR_RETURN(bool more, RangeIteration(r, mark, TemplateValue(), elem));
          if (!more) break;
        }
        break;
      }
      case TemplateKind::kMissing:
        break;  // like an empty map
      default:
        return Errorf("range can't iterate over " + GoFormatValue(value));
    }
    Result<Flow> flow = Flow::kNormal;
    if (!iterated && r.else_list) flow = Walk(dot, *r.else_list);
    vars_.resize(outer_mark);
    if (!flow.ok()) return flow;
    return Flow::kNormal;
  }

  Result<Flow> WalkTemplate(const TemplateValue& dot, const TemplateNode& t) {
    At(t);
    auto it = tmpl_.trees.find(t.name);
    if (it == tmpl_.trees.end())
      return Errorf("template " + util::GoQuote(t.name) + " not defined");
    if (call_depth_ >= options_.max_call_depth) {
      return Errorf(
          "exceeded maximum template depth (" + std::to_string(options_.max_call_depth) + ")",
          StatusCode::kResourceExhausted);
    }
    // Variables the pipeline declares persist; the called template sees none of them.
    TM_ASSIGN_OR_RETURN(TemplateValue new_dot, EvalPipeline(dot, t.pipe.get()));
    std::vector<Variable> saved_vars = std::move(vars_);
    std::string saved_name = std::move(name_);
    vars_ = {{"$", new_dot}};
    name_ = t.name;
    ++call_depth_;
    Result<Flow> flow = Walk(new_dot, *it->second);
    --call_depth_;
    vars_ = std::move(saved_vars);
    name_ = std::move(saved_name);
    if (!flow.ok()) return flow;
    node_ = &t;
    return Flow::kNormal;
  }

  // ---- Pipelines and commands --------------------------------------------------------------

  Result<TemplateValue> EvalPipeline(const TemplateValue& dot, const PipeNode* pipe) {
    if (pipe == nullptr) return TemplateValue();
    TM_RETURN_IF_ERROR(Step());
    At(*pipe);
    std::optional<TemplateValue> value;  // empty: no value yet, so no final argument
    for (const auto& cmd : pipe->cmds) {
      TM_ASSIGN_OR_RETURN(TemplateValue v, EvalCommand(dot, *cmd, value ? &*value : nullptr));
      value = std::move(v);
    }
    for (const auto& variable : pipe->decl) {
      if (pipe->is_assign) {
        TM_RETURN_IF_ERROR(SetVar(variable->ident[0], *value));
      } else {
        vars_.push_back({variable->ident[0], *value});
      }
    }
    return std::move(*value);
  }

  Status NotAFunction(const std::vector<NodePtr>& args, const TemplateValue* final) {
    if (args.size() > 1 || final != nullptr) {
      return Errorf("can't give argument to non-function " + NodeString(*args[0]));
    }
    return Status::OK();
  }

  Result<TemplateValue> EvalCommand(const TemplateValue& dot, const CommandNode& cmd,
                                    const TemplateValue* final) {
    TM_RETURN_IF_ERROR(Step());
    const Node& first = *cmd.args[0];
    switch (first.type) {
      case NodeType::kField:
        return EvalFieldNode(dot, static_cast<const FieldNode&>(first), &cmd.args, final);
      case NodeType::kChain:
        return EvalChainNode(dot, static_cast<const ChainNode&>(first), &cmd.args, final);
      case NodeType::kIdentifier:
        return EvalFunction(dot, static_cast<const IdentifierNode&>(first), cmd, &cmd.args, final);
      case NodeType::kPipe:
        TM_RETURN_IF_ERROR(NotAFunction(cmd.args, final));
        return EvalPipeline(dot, static_cast<const PipeNode*>(&first));
      case NodeType::kVariable:
        return EvalVariableNode(dot, static_cast<const VariableNode&>(first), &cmd.args, final);
      default:
        break;
    }
    At(first);
    TM_RETURN_IF_ERROR(NotAFunction(cmd.args, final));
    switch (first.type) {
      case NodeType::kBool:
        return TemplateValue::Bool(static_cast<const BoolNode&>(first).truth);
      case NodeType::kDot:
        return dot;
      case NodeType::kNil:
        return Errorf("nil is not a command");
      case NodeType::kNumber:
        return IdealConstant(static_cast<const NumberNode&>(first));
      case NodeType::kString:
        return TemplateValue::String(static_cast<const StringNode&>(first).text);
      default:
        return Errorf("can't evaluate command " + util::GoQuote(NodeString(first)));
    }
  }

  // A number with no type to convert to: a float if written like one, else an int.
  Result<TemplateValue> IdealConstant(const NumberNode& n) {
    At(n);
    const bool is_rune = !n.text.empty() && n.text[0] == '\'';
    if (n.is_float && !IsHexInt(n.text) && !is_rune &&
        n.text.find_first_of(".eEpP") != std::string::npos) {
      return TemplateValue::Float(n.float64);
    }
    if (n.is_int) return TemplateValue::Int(n.int64);
    if (n.is_uint) return Errorf(n.text + " overflows int");
    return TemplateValue();
  }

  Result<TemplateValue> EvalFieldNode(const TemplateValue& dot, const FieldNode& field,
                                      const std::vector<NodePtr>* args,
                                      const TemplateValue* final) {
    At(field);
    return EvalFieldChain(dot, dot, field, field.ident, 0, args, final);
  }

  Result<TemplateValue> EvalChainNode(const TemplateValue& dot, const ChainNode& chain,
                                      const std::vector<NodePtr>* args,
                                      const TemplateValue* final) {
    At(chain);
    if (chain.node->type == NodeType::kNil) {
      return Errorf("indirection through explicit nil in " + NodeString(chain));
    }
    TM_ASSIGN_OR_RETURN(TemplateValue receiver, EvalArg(dot, std::nullopt, *chain.node));
    return EvalFieldChain(dot, receiver, chain, chain.field, 0, args, final);
  }

  Result<TemplateValue> EvalVariableNode(const TemplateValue& dot, const VariableNode& variable,
                                         const std::vector<NodePtr>* args,
                                         const TemplateValue* final) {
    At(variable);
    TM_ASSIGN_OR_RETURN(TemplateValue value, VarValue(variable.ident[0]));
    if (variable.ident.size() == 1) {
      if (args != nullptr) TM_RETURN_IF_ERROR(NotAFunction(*args, final));
      return value;
    }
    return EvalFieldChain(dot, value, variable, variable.ident, 1, args, final);
  }

  // .X.Y.Z from ident[first] on; only the last field gets the arguments.
  Result<TemplateValue> EvalFieldChain(const TemplateValue& dot, TemplateValue receiver,
                                       const Node& node, const std::vector<std::string>& ident,
                                       size_t first, const std::vector<NodePtr>* args,
                                       const TemplateValue* final) {
    for (size_t i = first; i + 1 < ident.size(); ++i) {
      TM_ASSIGN_OR_RETURN(receiver, EvalField(ident[i], nullptr, nullptr, receiver));
    }
    return EvalField(ident.back(), args, final, receiver);
  }

  Result<TemplateValue> EvalField(const std::string& name, const std::vector<NodePtr>* args,
                                  const TemplateValue* final, const TemplateValue& receiver) {
    if (receiver.IsMissing()) {
      if (options_.missing_key == MissingKey::kError) {
        return Errorf("nil data; no entry for key " + util::GoQuote(name));
      }
      return TemplateValue();
    }
    const bool has_args = (args != nullptr && args->size() > 1) || final != nullptr;
    if (receiver.kind() == TemplateKind::kStruct) {
      if (const TemplateValue* field = receiver.Field(name)) {
        if (has_args) return Errorf(name + " has arguments but cannot be invoked as function");
        return *field;
      }
    } else if (receiver.kind() == TemplateKind::kMap) {
      if (has_args) return Errorf(name + " is not a method but has arguments");
      const TemplateMap& map = receiver.AsMap();
      auto it = map.entries.find(name);
      if (it != map.entries.end()) return it->second;
      switch (options_.missing_key) {
        case MissingKey::kZero:
          return map.zero;
        case MissingKey::kDefault:
          return TemplateValue();
        case MissingKey::kError:
          return Errorf("map has no entry for key " + util::GoQuote(name));
      }
    }
    return Errorf("can't evaluate field " + name + " in type " + std::string(receiver.GoType()));
  }

  // ---- Function calls ----------------------------------------------------------------------

  Result<TemplateValue> EvalFunction(const TemplateValue& dot, const IdentifierNode& node,
                                     const Node& cmd, const std::vector<NodePtr>* args,
                                     const TemplateValue* final) {
    At(node);
    return EvalCall(dot, *node.function, cmd, args, final);
  }

  // `args`, when present, holds the function's own node first (the shell's argv[0]).
  Result<TemplateValue> EvalCall(const TemplateValue& dot, const FunctionSpec& fn, const Node& node,
                                 const std::vector<NodePtr>* args, const TemplateValue* final) {
    const std::string name(fn.name);
    const size_t given = args != nullptr ? args->size() - 1 : 0;
    const auto arg = [args](size_t i) -> const Node& { return *(*args)[i + 1]; };
    const size_t num_in = given + (final != nullptr ? 1 : 0);
    size_t num_fixed = given;
    if (fn.variadic) {
      num_fixed = fn.params.size();
      if (num_in < num_fixed) {
        return Errorf("wrong number of args for " + name + ": want at least " +
                      std::to_string(fn.params.size()) + " got " + std::to_string(given));
      }
    } else if (num_in != fn.params.size()) {
      return Errorf("wrong number of args for " + name + ": want " +
                    std::to_string(fn.params.size()) + " got " + std::to_string(num_in));
    }
    if (fn.builtin && (fn.name == "and" || fn.name == "or")) {
      // Short-circuit: the first false (and) or true (or) argument, else the last.
      const bool is_or = fn.name == "or";
      TemplateValue v;
      for (size_t i = 0; i < given; ++i) {
        TM_ASSIGN_OR_RETURN(v, EvalArg(dot, ParamType::kValue, arg(i)));
        if (v.Truth() == is_or) return v;
      }
      if (final != nullptr) return *final;
      return v;
    }
    std::vector<TemplateValue> argv;
    argv.reserve(num_in);
    size_t i = 0;
    for (; i < num_fixed && i < given; ++i) {
      TM_ASSIGN_OR_RETURN(TemplateValue v, EvalArg(dot, fn.params[i], arg(i)));
      argv.push_back(std::move(v));
    }
    if (fn.variadic) {
      for (; i < given; ++i) {
        TM_ASSIGN_OR_RETURN(TemplateValue v, EvalArg(dot, fn.variadic_type, arg(i)));
        argv.push_back(std::move(v));
      }
    }
    if (final != nullptr) {
      ParamType type = fn.variadic_type;
      if (!fn.variadic) {
        type = fn.params.back();
      } else if (num_in - 1 < num_fixed) {
        type = fn.params[num_in - 1];
      }
      TM_ASSIGN_OR_RETURN(TemplateValue v, ValidateType(*final, type));
      argv.push_back(std::move(v));
    }
    Result<TemplateValue> result = fn.body(ctx_, argv);
    if (!result.ok()) {
      At(node);
      if (result.status().code() == StatusCode::kResourceExhausted) {
        return Errorf(result.status().message(), StatusCode::kResourceExhausted);
      }
      return Errorf("error calling " + name + ": " + result.status().message());
    }
    if (result->kind() == TemplateKind::kString &&
        result->AsString().size() > options_.max_output_bytes) {
      At(node);
      return Errorf(name + " returned " + std::to_string(result->AsString().size()) +
                        " bytes, over the output limit of " +
                        std::to_string(options_.max_output_bytes),
                    StatusCode::kResourceExhausted);
    }
    return result;
  }

  // Go's validateType: whether a computed value may be passed as `type`.
  Result<TemplateValue> ValidateType(const TemplateValue& value, std::optional<ParamType> type) {
    if (!type.has_value()) return value;
    if (value.IsMissing()) {
      if (CanBeNil(*type)) return value;
      return Errorf("invalid value; expected " + std::string(ParamTypeName(*type)));
    }
    bool ok = false;
    switch (*type) {
      case ParamType::kValue:
      case ParamType::kAny:
        ok = true;
        break;
      case ParamType::kString:
        ok = value.kind() == TemplateKind::kString && value.GoType() == "string";
        break;
      case ParamType::kFloat64:
        ok = value.kind() == TemplateKind::kFloat;
        break;
      case ParamType::kSample:
        ok = value.kind() == TemplateKind::kStruct && value.GoType() == kSampleType;
        break;
      case ParamType::kQueryResult:
        ok = value.kind() == TemplateKind::kList && value.GoType() == kQueryResultType;
        break;
    }
    if (ok) return value;
    return Errorf("wrong type for value; expected " + std::string(ParamTypeName(*type)) + "; got " +
                  std::string(value.GoType()));
  }

  // An argument of a call: computed nodes are checked against `type`, literals converted to it
  // (no type: a chain's receiver).
  Result<TemplateValue> EvalArg(const TemplateValue& dot, std::optional<ParamType> type,
                                const Node& n) {
    TM_RETURN_IF_ERROR(Step());
    At(n);
    switch (n.type) {
      case NodeType::kDot:
        return ValidateType(dot, type);
      case NodeType::kNil:
        if (!type.has_value() || CanBeNil(*type)) return TemplateValue();
        return Errorf("cannot assign nil to " + std::string(ParamTypeName(*type)));
      case NodeType::kField: {
        TM_ASSIGN_OR_RETURN(TemplateValue v,
                            EvalFieldNode(dot, static_cast<const FieldNode&>(n), nullptr, nullptr));
        return ValidateType(v, type);
      }
      case NodeType::kVariable: {
        TM_ASSIGN_OR_RETURN(
            TemplateValue v,
            EvalVariableNode(dot, static_cast<const VariableNode&>(n), nullptr, nullptr));
        return ValidateType(v, type);
      }
      case NodeType::kPipe: {
        TM_ASSIGN_OR_RETURN(TemplateValue v, EvalPipeline(dot, static_cast<const PipeNode*>(&n)));
        return ValidateType(v, type);
      }
      case NodeType::kIdentifier: {
        const auto& ident = static_cast<const IdentifierNode&>(n);
        TM_ASSIGN_OR_RETURN(TemplateValue v, EvalFunction(dot, ident, ident, nullptr, nullptr));
        return ValidateType(v, type);
      }
      case NodeType::kChain: {
        TM_ASSIGN_OR_RETURN(TemplateValue v,
                            EvalChainNode(dot, static_cast<const ChainNode&>(n), nullptr, nullptr));
        return ValidateType(v, type);
      }
      default:
        break;
    }
    if (!type.has_value()) return Errorf("can't handle " + NodeString(n) + " for arg");
    switch (*type) {
      case ParamType::kString:
        if (n.type == NodeType::kString) {
          return TemplateValue::String(static_cast<const StringNode&>(n).text);
        }
        return Errorf("expected string; found " + NodeString(n));
      case ParamType::kFloat64:
        if (n.type == NodeType::kNumber && static_cast<const NumberNode&>(n).is_float) {
          return TemplateValue::Float(static_cast<const NumberNode&>(n).float64);
        }
        return Errorf("expected float; found " + NodeString(n));
      case ParamType::kAny:
      case ParamType::kValue:
        return EvalEmptyInterface(n);
      default:
        return Errorf("can't handle " + NodeString(n) + " for arg of type " +
                      std::string(ParamTypeName(*type)));
    }
  }

  // A literal passed as interface {}.
  Result<TemplateValue> EvalEmptyInterface(const Node& n) {
    At(n);
    switch (n.type) {
      case NodeType::kBool:
        return TemplateValue::Bool(static_cast<const BoolNode&>(n).truth);
      case NodeType::kNumber:
        return IdealConstant(static_cast<const NumberNode&>(n));
      case NodeType::kString:
        return TemplateValue::String(static_cast<const StringNode&>(n).text);
      default:
        return Errorf("can't handle assignment of " + NodeString(n) +
                      " to empty interface argument");
    }
  }

  Status PrintValue(const Node& node, const TemplateValue& value) {
    At(node);
    if (value.IsMissing()) return Write("<no value>");
    return Write(GoFormatValue(value));
  }

  const ParsedTemplate& tmpl_;
  const TemplateOptions& options_;
  CallContext ctx_;
  std::string name_;  // the template executing now: the top level or a {{define}}d one
  const Node* node_ = nullptr;
  std::vector<Variable> vars_;
  size_t call_depth_ = 0;
  uint64_t steps_ = 0;
  uintptr_t stack_base_ = 0;
  std::string out_;
};

}  // namespace
}  // namespace internal

Result<std::string> ExecuteTemplate(const Template& tmpl, const TemplateValue& dot,
                                    const TemplateEnv& env) {
  internal::Executor executor(tmpl.parsed(), env);
  return executor.Run(dot);
}

}  // namespace tidemark::rules
