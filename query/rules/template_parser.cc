// A port of Go's text/template/parse/parse.go. Go's parser panics on the first error; here the
// first error is kept in status_ and every step returns early once it is set (the Fail checks).
// Function names are resolved while parsing, so an unknown function is a parse error, as in Go.
#include "query/rules/template_parser.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "query/rules/template_funcs.h"
#include "query/rules/template_lexer.h"
#include "util/go_text.h"
#include "util/utf8.h"

namespace tidemark::rules::internal {
namespace {

// What ended an item list: {{end}} or {{else}}, with where it stood.
struct Terminator {
  enum Kind { kNone, kEnd, kElse } kind = kNone;
  size_t pos = 0;
  int line = 0;
  std::string String() const { return kind == kEnd ? "{{end}}" : "{{else}}"; }
};

// strconv.ParseUint(text, 0, 64), for literals between 2^63 and 2^64 that ParseInt refuses.
bool ParseUint64(std::string_view text, uint64_t* out) {
  auto as_int = util::GoParseInt(text);
  if (as_int.ok()) {
    if (*as_int < 0 || text[0] == '-' || text[0] == '+') return *as_int == 0 && text[0] != '+';
    *out = static_cast<uint64_t>(*as_int);
    return true;
  }
  if (text.empty() || text[0] == '-' || text[0] == '+') return false;
  if (as_int.status().message().find("out of range") == std::string::npos) return false;
  uint64_t base = 10;
  std::string_view digits = text;
  if (digits.size() > 2 && digits[0] == '0') {
    const char p = static_cast<char>(digits[1] | 0x20);
    base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 8;
    digits.remove_prefix(p == 'x' || p == 'o' || p == 'b' ? 2 : 1);
  }
  uint64_t value = 0;
  for (char c : digits) {
    if (c == '_') continue;
    const char l = static_cast<char>(c | 0x20);
    const uint64_t d =
        c >= '0' && c <= '9' ? static_cast<uint64_t>(c - '0') : static_cast<uint64_t>(l - 'a' + 10);
    if (d >= base || value > (UINT64_MAX - d) / base) return false;
    value = value * base + d;
  }
  *out = value;
  return true;
}

class Parser {
 public:
  Parser(std::string_view name, std::string_view text, const TemplateOptions& options,
         ParsedTemplate* out)
      : name_(name), text_(text), options_(options), out_(out), lexer_(text) {}

  Status Run() {
    trees_.push_back(TreeState{std::string(name_), {"$"}, 0, 0});
    auto root = ParseTop();
    if (!status_.ok()) return status_;
    Add(std::move(root));
    return status_;
  }

 private:
  // Go's per-Tree parsing state: each {{define}} and {{block}} parses as a tree of its own.
  struct TreeState {
    std::string name;
    std::vector<std::string> vars;
    int range_depth = 0;
    int action_line = 0;
  };

  bool Failed() const { return !status_.ok(); }
  TreeState& Tree() { return trees_.back(); }

  void Errorf(const std::string& message, StatusCode code = StatusCode::kInvalidArgument) {
    if (Failed()) return;
    status_ = Status(code, "template: " + std::string(name_) + ":" +
                               std::to_string(token_[0].line) + ": " + message);
  }

  // ---- Tokens: Go's three-token look-ahead ------------------------------------------------

  const Item& Next() {
    if (peek_count_ > 0) {
      --peek_count_;
    } else {
      token_[0] = lexer_.NextItem();
    }
    return token_[peek_count_];
  }
  void Backup() { ++peek_count_; }
  void Backup2(const Item& t1) {
    token_[1] = t1;
    peek_count_ = 2;
  }
  void Backup3(const Item& t2, const Item& t1) {
    token_[1] = t1;
    token_[2] = t2;
    peek_count_ = 3;
  }
  Item Peek() {
    if (peek_count_ > 0) return token_[peek_count_ - 1];
    peek_count_ = 1;
    token_[0] = lexer_.NextItem();
    return token_[0];
  }
  Item NextNonSpace() {
    Item token;
    do {
      token = Next();
    } while (token.type == ItemType::kSpace);
    return token;
  }
  Item PeekNonSpace() {
    Item token = NextNonSpace();
    Backup();
    return token;
  }

  void Unexpected(const Item& token, std::string_view context) {
    if (token.type == ItemType::kError) {
      std::string extra;
      const int action_line = Tree().action_line;
      if (action_line != 0 && action_line != token.line) {
        extra = " in action started at " + std::string(name_) + ":" + std::to_string(action_line);
        if (token.error.size() >= 7 &&
            token.error.compare(token.error.size() - 7, 7, " action") == 0) {
          extra = extra.substr(std::string_view(" in action").size());
        }
      }
      Errorf(token.error + extra);
      return;
    }
    Errorf("unexpected " + DescribeItem(token) + " in " + std::string(context));
  }

  Item Expect(ItemType expected, std::string_view context) {
    Item token = NextNonSpace();
    if (token.type != expected) Unexpected(token, context);
    return token;
  }

  // ---- Depth -------------------------------------------------------------------------------

  // Entering a nested structure; false (with the error set) past the limit.
  bool Enter() {
    if (++depth_ > options_.max_parse_depth) {
      Errorf("template nesting exceeds the limit of " + std::to_string(options_.max_parse_depth),
             StatusCode::kResourceExhausted);
      return false;
    }
    return true;
  }
  void Leave() { --depth_; }

  // ---- Trees -------------------------------------------------------------------------------

  // Go's Tree.add: a template may replace an empty one of the same name, not a non-empty one.
  void Add(std::unique_ptr<ListNode> root) {
    if (Failed()) return;
    auto it = out_->trees.find(Tree().name);
    if (it == out_->trees.end() || IsEmptyTree(it->second.get())) {
      out_->trees[Tree().name] = std::move(root);
      return;
    }
    if (!IsEmptyTree(root.get())) {
      Errorf("template: multiple definition of template " + util::GoQuote(Tree().name));
    }
  }

  std::unique_ptr<ListNode> ParseTop() {
    auto root = std::make_unique<ListNode>(Peek().pos);
    while (!Failed() && Peek().type != ItemType::kEOF) {
      if (Peek().type == ItemType::kLeftDelim) {
        Item delim = Next();
        if (NextNonSpace().type == ItemType::kDefine) {
          ParseDefinition();
          continue;
        }
        Backup2(delim);
      }
      Terminator term;
      NodePtr n = TextOrAction(&term);
      if (Failed()) return nullptr;
      if (term.kind != Terminator::kNone) {
        Errorf("unexpected " + term.String());
        return nullptr;
      }
      root->nodes.push_back(std::move(n));
    }
    return root;
  }

  void ParseDefinition() {
    constexpr std::string_view kContext = "define clause";
    if (!Enter()) return;
    Item name = NextNonSpace();
    if (name.type != ItemType::kString && name.type != ItemType::kRawString) {
      Unexpected(name, kContext);
      return;
    }
    auto unquoted = Unquote(name);
    if (Failed()) return;
    Expect(ItemType::kRightDelim, kContext);
    if (!Failed()) ParseTree(*unquoted, kContext);
    Leave();
  }

  // The body of a {{define}} or {{block}} up to its {{end}}, added as the template `name`:
  // a tree of its own, with its own variables.
  void ParseTree(const std::string& name, std::string_view context) {
    trees_.push_back(TreeState{name, {"$"}, 0, 0});
    Terminator end;
    std::unique_ptr<ListNode> root = ItemList(&end);
    if (!Failed() && end.kind != Terminator::kEnd) {
      Errorf("unexpected " + end.String() + " in " + std::string(context));
    }
    Add(std::move(root));
    trees_.pop_back();
  }

  std::optional<std::string> Unquote(const Item& token) {
    auto s = util::GoUnquote(token.val);
    if (!s.ok()) {
      Errorf(s.status().message());
      return std::nullopt;
    }
    if (token.type == ItemType::kRawString)
      s->erase(std::remove(s->begin(), s->end(), '\r'), s->end());
    return std::move(*s);
  }

  // ---- Lists and actions -------------------------------------------------------------------

  // textOrAction* up to {{end}} or {{else}}, which *term reports.
  std::unique_ptr<ListNode> ItemList(Terminator* term) {
    auto list = std::make_unique<ListNode>(PeekNonSpace().pos);
    while (!Failed() && PeekNonSpace().type != ItemType::kEOF) {
      NodePtr n = TextOrAction(term);
      if (Failed()) return nullptr;
      if (term->kind != Terminator::kNone) return list;
      list->nodes.push_back(std::move(n));
    }
    Errorf("unexpected EOF");
    return nullptr;
  }

  NodePtr TextOrAction(Terminator* term) {
    Item token = NextNonSpace();
    switch (token.type) {
      case ItemType::kText:
        return std::make_unique<TextNode>(token.pos, std::string(token.val));
      case ItemType::kLeftDelim: {
        Tree().action_line = token.line;
        NodePtr n = Action(term);
        Tree().action_line = 0;
        return n;
      }
      default:
        Unexpected(token, "input");
        return nullptr;
    }
  }

  NodePtr Action(Terminator* term) {
    Item token = NextNonSpace();
    switch (token.type) {
      case ItemType::kBlock:
        return BlockControl();
      case ItemType::kBreak:
      case ItemType::kContinue: {
        const bool is_break = token.type == ItemType::kBreak;
        const std::string what = is_break ? "{{break}}" : "{{continue}}";
        Item after = NextNonSpace();
        if (after.type != ItemType::kRightDelim) {
          Unexpected(after, what);
          return nullptr;
        }
        if (Tree().range_depth == 0) {
          Errorf(what + " outside {{range}}");
          return nullptr;
        }
        return std::make_unique<Node>(is_break ? NodeType::kBreak : NodeType::kContinue, token.pos);
      }
      case ItemType::kElse: {
        Item peek = PeekNonSpace();
        // "{{else if" and "{{else with": the if or with stays for parseControl.
        if (peek.type == ItemType::kIf || peek.type == ItemType::kWith) {
          *term = Terminator{Terminator::kElse, peek.pos, peek.line};
          return nullptr;
        }
        Item delim = Expect(ItemType::kRightDelim, "else");
        *term = Terminator{Terminator::kElse, delim.pos, delim.line};
        return nullptr;
      }
      case ItemType::kEnd: {
        Item delim = Expect(ItemType::kRightDelim, "end");
        *term = Terminator{Terminator::kEnd, delim.pos, delim.line};
        return nullptr;
      }
      case ItemType::kIf:
        return Control(NodeType::kIf, "if");
      case ItemType::kRange:
        return Control(NodeType::kRange, "range");
      case ItemType::kWith:
        return Control(NodeType::kWith, "with");
      case ItemType::kTemplate:
        return TemplateControl();
      default:
        break;
    }
    Backup();
    Item first = Peek();
    auto pipe = Pipeline("command", ItemType::kRightDelim);
    if (Failed()) return nullptr;
    return std::make_unique<ActionNode>(first.pos, first.line, std::move(pipe));
  }

  // ---- Pipelines ---------------------------------------------------------------------------

  std::unique_ptr<PipeNode> Pipeline(std::string_view context, ItemType end) {
    Item first = PeekNonSpace();
    auto pipe = std::make_unique<PipeNode>(first.pos, first.line);
    bool more_decls = true;
    while (more_decls && !Failed()) {
      more_decls = false;
      Item v = PeekNonSpace();
      if (v.type != ItemType::kVariable) break;
      Next();
      // "$x foo" needs three tokens of look-ahead to tell an argument from a declaration.
      Item token_after_variable = Peek();
      Item next = PeekNonSpace();
      if (next.type == ItemType::kAssign || next.type == ItemType::kDeclare) {
        pipe->is_assign = next.type == ItemType::kAssign;
        NextNonSpace();
        pipe->decl.push_back(
            std::make_unique<VariableNode>(v.pos, std::vector<std::string>{std::string(v.val)}));
        Tree().vars.emplace_back(v.val);
      } else if (next.type == ItemType::kChar && next.val == ",") {
        NextNonSpace();
        pipe->decl.push_back(
            std::make_unique<VariableNode>(v.pos, std::vector<std::string>{std::string(v.val)}));
        Tree().vars.emplace_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          const ItemType after = PeekNonSpace().type;
          if (after == ItemType::kVariable || after == ItemType::kRightDelim ||
              after == ItemType::kRightParen) {
            more_decls = true;  // the second variable of a range
            continue;
          }
          Errorf("range can only initialize variables");
          return nullptr;
        }
        Errorf("too many declarations in " + std::string(context));
        return nullptr;
      } else if (token_after_variable.type == ItemType::kSpace) {
        Backup3(v, token_after_variable);
      } else {
        Backup2(v);
      }
    }
    while (!Failed()) {
      Item token = NextNonSpace();
      if (token.type == end) {
        CheckPipeline(*pipe, context);
        return Failed() ? nullptr : std::move(pipe);
      }
      switch (token.type) {
        case ItemType::kBool:
        case ItemType::kCharConstant:
        case ItemType::kComplex:
        case ItemType::kDot:
        case ItemType::kField:
        case ItemType::kIdentifier:
        case ItemType::kNumber:
        case ItemType::kNil:
        case ItemType::kRawString:
        case ItemType::kString:
        case ItemType::kVariable:
        case ItemType::kLeftParen: {
          Backup();
          auto cmd = Command();
          if (Failed()) return nullptr;
          pipe->cmds.push_back(std::move(cmd));
          break;
        }
        default:
          Unexpected(token, context);
          return nullptr;
      }
    }
    return nullptr;
  }

  void CheckPipeline(const PipeNode& pipe, std::string_view context) {
    if (pipe.cmds.empty()) {
      Errorf("missing value for " + std::string(context));
      return;
    }
    for (size_t i = 1; i < pipe.cmds.size(); ++i) {
      switch (pipe.cmds[i]->args[0]->type) {
        case NodeType::kBool:
        case NodeType::kDot:
        case NodeType::kNil:
        case NodeType::kNumber:
        case NodeType::kString:
          Errorf("non executable command in pipeline stage " + std::to_string(i + 1));
          return;
        default:
          break;
      }
    }
  }

  // if, range, with: {{X pipeline}} list [{{else}} list | {{else if/with ...}}] {{end}}.
  NodePtr Control(NodeType type, std::string_view context) {
    if (!Enter()) return nullptr;
    const size_t vars_mark = Tree().vars.size();
    auto node = std::make_unique<BranchNode>(type, 0, 0);
    node->pipe = Pipeline(context, ItemType::kRightDelim);
    if (Failed()) return nullptr;
    node->pos = node->pipe->pos;
    node->line = node->pipe->line;
    if (type == NodeType::kRange) ++Tree().range_depth;
    Terminator next;
    node->list = ItemList(&next);
    if (type == NodeType::kRange) --Tree().range_depth;
    if (Failed()) return nullptr;
    if (next.kind == Terminator::kElse) {
      // {{else if ...}} and {{else with ...}} parse as {{else}}{{if ...}}...{{end}}{{end}},
      // the inner {{end}} standing for both.
      if ((type == NodeType::kIf && Peek().type == ItemType::kIf) ||
          (type == NodeType::kWith && Peek().type == ItemType::kWith)) {
        Next();
        node->else_list = std::make_unique<ListNode>(next.pos);
        NodePtr inner = Control(type, context);
        if (Failed()) return nullptr;
        node->else_list->nodes.push_back(std::move(inner));
      } else {
        Terminator end;
        node->else_list = ItemList(&end);
        if (Failed()) return nullptr;
        if (end.kind != Terminator::kEnd) {
          Errorf("expected end; found " + end.String());
          return nullptr;
        }
      }
    }
    Tree().vars.resize(vars_mark);
    Leave();
    return node;
  }

  std::optional<std::string> TemplateName(const Item& token, std::string_view context) {
    if (token.type != ItemType::kString && token.type != ItemType::kRawString) {
      Unexpected(token, context);
      return std::nullopt;
    }
    return Unquote(token);
  }

  // {{block "name" pipeline}} list {{end}}: defines "name" and calls it.
  NodePtr BlockControl() {
    constexpr std::string_view kContext = "block clause";
    if (!Enter()) return nullptr;
    Item token = NextNonSpace();
    auto name = TemplateName(token, kContext);
    if (Failed()) return nullptr;
    auto pipe = Pipeline(kContext, ItemType::kRightDelim);
    if (Failed()) return nullptr;
    ParseTree(*name, kContext);
    Leave();
    if (Failed()) return nullptr;
    return std::make_unique<TemplateNode>(token.pos, token.line, *name, std::move(pipe));
  }

  NodePtr TemplateControl() {
    constexpr std::string_view kContext = "template clause";
    Item token = NextNonSpace();
    auto name = TemplateName(token, kContext);
    if (Failed()) return nullptr;
    std::unique_ptr<PipeNode> pipe;
    if (NextNonSpace().type != ItemType::kRightDelim) {
      Backup();
      pipe = Pipeline(kContext, ItemType::kRightDelim);
      if (Failed()) return nullptr;
    }
    return std::make_unique<TemplateNode>(token.pos, token.line, *name, std::move(pipe));
  }

  // ---- Commands and operands ---------------------------------------------------------------

  std::unique_ptr<CommandNode> Command() {
    auto cmd = std::make_unique<CommandNode>(PeekNonSpace().pos);
    while (!Failed()) {
      PeekNonSpace();  // skip leading spaces
      NodePtr operand = Operand();
      if (Failed()) return nullptr;
      if (operand) cmd->args.push_back(std::move(operand));
      Item token = Next();
      if (token.type == ItemType::kSpace) continue;
      if (token.type == ItemType::kRightDelim || token.type == ItemType::kRightParen) {
        Backup();
      } else if (token.type != ItemType::kPipe) {
        Unexpected(token, "operand");
        return nullptr;
      }
      break;
    }
    if (!Failed() && cmd->args.empty()) Errorf("empty command");
    return Failed() ? nullptr : std::move(cmd);
  }

  static std::string Joined(const std::vector<std::string>& parts) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? "." : "") + parts[i];
    return out;
  }

  NodePtr Operand() {
    NodePtr node = Term();
    if (!node || Failed()) return nullptr;
    if (Peek().type != ItemType::kField) return node;
    const size_t chain_pos = Peek().pos;
    std::vector<std::string> fields;
    while (Peek().type == ItemType::kField) fields.emplace_back(Next().val.substr(1));
    switch (node->type) {
      case NodeType::kField: {
        auto& ident = static_cast<FieldNode&>(*node).ident;
        ident.insert(ident.end(), fields.begin(), fields.end());
        node->pos = chain_pos;
        return node;
      }
      case NodeType::kVariable: {
        auto& ident = static_cast<VariableNode&>(*node).ident;
        ident.insert(ident.end(), fields.begin(), fields.end());
        node->pos = chain_pos;
        return node;
      }
      case NodeType::kBool:
      case NodeType::kString:
      case NodeType::kNumber:
      case NodeType::kNil:
      case NodeType::kDot:
        Errorf("unexpected . after term " + util::GoQuote(NodeString(*node)));
        return nullptr;
      default: {
        auto chain = std::make_unique<ChainNode>(chain_pos, std::move(node));
        chain->field = std::move(fields);
        return chain;
      }
    }
  }

  NodePtr Term() {
    Item token = NextNonSpace();
    switch (token.type) {
      case ItemType::kIdentifier: {
        const FunctionSpec* function = FindFunction(token.val);
        if (function == nullptr) {
          Errorf("function " + util::GoQuote(token.val) + " not defined");
          return nullptr;
        }
        return std::make_unique<IdentifierNode>(token.pos, std::string(token.val), function);
      }
      case ItemType::kDot:
        return std::make_unique<Node>(NodeType::kDot, token.pos);
      case ItemType::kNil:
        return std::make_unique<Node>(NodeType::kNil, token.pos);
      case ItemType::kVariable: {
        const std::string name(token.val);
        const auto& vars = Tree().vars;
        if (std::find(vars.begin(), vars.end(), name) == vars.end()) {
          Errorf("undefined variable " + util::GoQuote(name));
          return nullptr;
        }
        return std::make_unique<VariableNode>(token.pos, std::vector<std::string>{name});
      }
      case ItemType::kField:
        return std::make_unique<FieldNode>(
            token.pos, std::vector<std::string>{std::string(token.val.substr(1))});
      case ItemType::kBool:
        return std::make_unique<BoolNode>(token.pos, token.val == "true");
      case ItemType::kCharConstant:
      case ItemType::kComplex:
      case ItemType::kNumber:
        return Number(token);
      case ItemType::kLeftParen: {
        if (!Enter()) return nullptr;
        auto pipe = Pipeline("parenthesized pipeline", ItemType::kRightParen);
        Leave();
        return pipe;
      }
      case ItemType::kString:
      case ItemType::kRawString: {
        auto s = Unquote(token);
        if (Failed()) return nullptr;
        return std::make_unique<StringNode>(token.pos, std::string(token.val), std::move(*s));
      }
      default:
        Backup();
        return nullptr;
    }
  }

  // Go's newNumber: every type the literal can have.
  NodePtr Number(const Item& token) {
    auto n = std::make_unique<NumberNode>(token.pos, std::string(token.val));
    const std::string& text = n->text;
    if (token.type == ItemType::kCharConstant) {
      auto s = util::GoUnquote(text);
      if (!s.ok()) {
        Errorf(s.status().message());
        return nullptr;
      }
      size_t width = 0;
      char32_t r = s->size() == 1 ? static_cast<unsigned char>((*s)[0])
                                  : util::DecodeUtf8Rune(*s, 0, &width);
      if (s->empty() || (s->size() > 1 && width != s->size())) {
        Errorf("malformed character constant: " + text);
        return nullptr;
      }
      n->is_int = n->is_uint = n->is_float = true;
      n->int64 = static_cast<int64_t>(r);
      n->uint64 = r;
      n->float64 = static_cast<double>(r);
      return n;
    }
    if (token.type == ItemType::kComplex || (!text.empty() && text.back() == 'i')) {
      Errorf("complex numbers are not supported: " + text);
      return nullptr;
    }
    uint64_t u = 0;
    if (ParseUint64(text, &u)) {
      n->is_uint = true;
      n->uint64 = u;
    }
    if (auto i = util::GoParseInt(text); i.ok()) {
      n->is_int = true;
      n->int64 = *i;
    }
    if (n->is_int) {
      n->is_float = true;
      n->float64 = static_cast<double>(n->int64);
    } else if (n->is_uint) {
      n->is_float = true;
      n->float64 = static_cast<double>(n->uint64);
    } else if (auto f = util::GoParseFloat(text); f.ok()) {
      // Parsed as a float but written like an integer: too large for any integer type.
      if (text.find_first_of(".eEpP") == std::string::npos) {
        Errorf("integer overflow: " + util::GoQuote(text));
        return nullptr;
      }
      n->is_float = true;
      n->float64 = *f;
      const double v = *f;
      if (v >= -9223372036854775808.0 && v < 9223372036854775808.0 &&
          static_cast<double>(static_cast<int64_t>(v)) == v) {
        n->is_int = true;
        n->int64 = static_cast<int64_t>(v);
      }
      if (v >= 0 && v < 18446744073709551616.0 &&
          static_cast<double>(static_cast<uint64_t>(v)) == v) {
        n->is_uint = true;
        n->uint64 = static_cast<uint64_t>(v);
      }
    }
    if (!n->is_int && !n->is_uint && !n->is_float) {
      Errorf("illegal number syntax: " + util::GoQuote(text));
      return nullptr;
    }
    return n;
  }

  std::string_view name_;
  std::string_view text_;
  const TemplateOptions& options_;
  ParsedTemplate* out_;
  Lexer lexer_;
  Item token_[3];
  int peek_count_ = 0;
  std::vector<TreeState> trees_;
  size_t depth_ = 0;
  Status status_;
};

}  // namespace

Result<std::unique_ptr<ParsedTemplate>> Parse(std::string_view name, std::string_view text,
                                              const TemplateOptions& options) {
  if (text.size() > options.max_text_bytes) {
    return Status::ResourceExhausted("template: " + std::string(name) + ": text is " +
                                     std::to_string(text.size()) + " bytes, over the limit of " +
                                     std::to_string(options.max_text_bytes));
  }
  auto parsed = std::make_unique<ParsedTemplate>();
  parsed->name = std::string(name);
  parsed->text = std::string(text);
  parsed->options = options;
  // The parser's items point into parsed->text, which lives as long as the tree.
  Parser parser(parsed->name, parsed->text, options, parsed.get());
  Status status = parser.Run();
  if (!status.ok()) return status;
  return parsed;
}

}  // namespace tidemark::rules::internal
