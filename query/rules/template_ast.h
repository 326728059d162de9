// The parse tree of a template: Go's text/template/parse nodes, with the positions and the
// String() forms Go's execution errors quote ("at <humanize $value>").
#ifndef TIDEMARK_QUERY_RULES_TEMPLATE_AST_H_
#define TIDEMARK_QUERY_RULES_TEMPLATE_AST_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "query/rules/template.h"

namespace tidemark::rules::internal {

struct FunctionSpec;

enum class NodeType {
  kText,
  kList,
  kAction,
  kPipe,
  kCommand,
  kIdentifier,
  kVariable,
  kDot,
  kNil,
  kField,
  kChain,
  kBool,
  kNumber,
  kString,
  kIf,
  kRange,
  kWith,
  kTemplate,
  kBreak,
  kContinue,
};

struct Node {
  Node(NodeType t, size_t p) : type(t), pos(p) {}
  virtual ~Node() = default;
  NodeType type;
  size_t pos;  // byte offset in the template text
};

using NodePtr = std::unique_ptr<Node>;

struct TextNode : Node {
  TextNode(size_t p, std::string t) : Node(NodeType::kText, p), text(std::move(t)) {}
  std::string text;
};

struct ListNode : Node {
  explicit ListNode(size_t p) : Node(NodeType::kList, p) {}
  std::vector<NodePtr> nodes;
};

// $x or $x.Field.Field: ident[0] is the variable.
struct VariableNode : Node {
  VariableNode(size_t p, std::vector<std::string> i)
      : Node(NodeType::kVariable, p), ident(std::move(i)) {}
  std::vector<std::string> ident;
};

struct CommandNode : Node {
  explicit CommandNode(size_t p) : Node(NodeType::kCommand, p) {}
  std::vector<NodePtr> args;  // args[0] is the function, field or value
};

struct PipeNode : Node {
  PipeNode(size_t p, int l) : Node(NodeType::kPipe, p), line(l) {}
  int line;
  bool is_assign = false;  // "=" rather than ":="
  std::vector<std::unique_ptr<VariableNode>> decl;
  std::vector<std::unique_ptr<CommandNode>> cmds;
};

struct ActionNode : Node {
  ActionNode(size_t p, int l, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::kAction, p), line(l), pipe(std::move(pp)) {}
  int line;
  std::unique_ptr<PipeNode> pipe;
};

struct IdentifierNode : Node {
  IdentifierNode(size_t p, std::string i, const FunctionSpec* f)
      : Node(NodeType::kIdentifier, p), ident(std::move(i)), function(f) {}
  std::string ident;
  const FunctionSpec* function;  // resolved when parsed
};

struct FieldNode : Node {
  FieldNode(size_t p, std::vector<std::string> i)
      : Node(NodeType::kField, p), ident(std::move(i)) {}
  std::vector<std::string> ident;  // without the dots
};

// (pipeline).Field or $x.Field after a term that is not a field or variable.
struct ChainNode : Node {
  ChainNode(size_t p, NodePtr n) : Node(NodeType::kChain, p), node(std::move(n)) {}
  NodePtr node;
  std::vector<std::string> field;
};

struct BoolNode : Node {
  BoolNode(size_t p, bool t) : Node(NodeType::kBool, p), truth(t) {}
  bool truth;
};

// A number literal with every Go type it can stand for.
struct NumberNode : Node {
  NumberNode(size_t p, std::string t) : Node(NodeType::kNumber, p), text(std::move(t)) {}
  bool is_int = false;
  bool is_uint = false;
  bool is_float = false;
  int64_t int64 = 0;
  uint64_t uint64 = 0;
  double float64 = 0;
  std::string text;
};

struct StringNode : Node {
  StringNode(size_t p, std::string q, std::string t)
      : Node(NodeType::kString, p), quoted(std::move(q)), text(std::move(t)) {}
  std::string quoted;  // as written, for messages
  std::string text;
};

// if, range and with.
struct BranchNode : Node {
  BranchNode(NodeType t, size_t p, int l) : Node(t, p), line(l) {}
  int line;
  std::unique_ptr<PipeNode> pipe;
  std::unique_ptr<ListNode> list;
  std::unique_ptr<ListNode> else_list;  // may be null
};

struct TemplateNode : Node {
  TemplateNode(size_t p, int l, std::string n, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::kTemplate, p), line(l), name(std::move(n)), pipe(std::move(pp)) {}
  int line;
  std::string name;
  std::unique_ptr<PipeNode> pipe;  // may be null
};

// Go's Node.String(): the node as it would be written.
std::string NodeString(const Node& node);

// Go's parse.IsEmptyTree: only spaces (and comments).
bool IsEmptyTree(const Node* node);

struct ParsedTemplate {
  std::string name;  // the top-level name, which error locations use
  std::string text;  // the whole text, for line and column numbers
  TemplateOptions options;
  // Every template the text defines, the top-level one under `name` (unless a {{define}} of
  // the same name replaced an empty top level).
  std::map<std::string, std::unique_ptr<ListNode>, std::less<>> trees;
};

// Go's Tree.ErrorContext: "name:line:col" of a position (col counts bytes from 0).
std::string ErrorLocation(const ParsedTemplate& tmpl, size_t pos);

}  // namespace tidemark::rules::internal

#endif  // TIDEMARK_QUERY_RULES_TEMPLATE_AST_H_
