#include "query/rules/template_ast.h"

#include "util/go_text.h"

namespace tidemark::rules::internal {
namespace {

void WriteNode(const Node& node, std::string* out);

void WritePipe(const PipeNode& pipe, std::string* out) {
  for (size_t i = 0; i < pipe.decl.size(); ++i) {
    if (i > 0) *out += ", ";
    WriteNode(*pipe.decl[i], out);
  }
  if (!pipe.decl.empty()) *out += pipe.is_assign ? " = " : " := ";
  for (size_t i = 0; i < pipe.cmds.size(); ++i) {
    if (i > 0) *out += " | ";
    WriteNode(*pipe.cmds[i], out);
  }
}

void WriteBranch(const BranchNode& node, std::string_view keyword, std::string* out) {
  *out += "{{";
  *out += keyword;
  *out += " ";
  WritePipe(*node.pipe, out);
  *out += "}}";
  WriteNode(*node.list, out);
  if (node.else_list) {
    *out += "{{else}}";
    WriteNode(*node.else_list, out);
  }
  *out += "{{end}}";
}

void WriteNode(const Node& node, std::string* out) {
  switch (node.type) {
    case NodeType::kText:
      *out += static_cast<const TextNode&>(node).text;
      return;
    case NodeType::kList:
      for (const auto& n : static_cast<const ListNode&>(node).nodes) WriteNode(*n, out);
      return;
    case NodeType::kAction:
      *out += "{{";
      WritePipe(*static_cast<const ActionNode&>(node).pipe, out);
      *out += "}}";
      return;
    case NodeType::kPipe:
      WritePipe(static_cast<const PipeNode&>(node), out);
      return;
    case NodeType::kCommand: {
      const auto& args = static_cast<const CommandNode&>(node).args;
      for (size_t i = 0; i < args.size(); ++i) {
        if (i > 0) *out += ' ';
        if (args[i]->type == NodeType::kPipe) {
          *out += '(';
          WriteNode(*args[i], out);
          *out += ')';
        } else {
          WriteNode(*args[i], out);
        }
      }
      return;
    }
    case NodeType::kIdentifier:
      *out += static_cast<const IdentifierNode&>(node).ident;
      return;
    case NodeType::kVariable: {
      const auto& ident = static_cast<const VariableNode&>(node).ident;
      for (size_t i = 0; i < ident.size(); ++i) *out += (i > 0 ? "." : "") + ident[i];
      return;
    }
    case NodeType::kDot:
      *out += '.';
      return;
    case NodeType::kNil:
      *out += "nil";
      return;
    case NodeType::kField:
      for (const auto& f : static_cast<const FieldNode&>(node).ident) *out += "." + f;
      return;
    case NodeType::kChain: {
      const auto& chain = static_cast<const ChainNode&>(node);
      if (chain.node->type == NodeType::kPipe) {
        *out += '(';
        WriteNode(*chain.node, out);
        *out += ')';
      } else {
        WriteNode(*chain.node, out);
      }
      for (const auto& f : chain.field) *out += "." + f;
      return;
    }
    case NodeType::kBool:
      *out += static_cast<const BoolNode&>(node).truth ? "true" : "false";
      return;
    case NodeType::kNumber:
      *out += static_cast<const NumberNode&>(node).text;
      return;
    case NodeType::kString:
      *out += static_cast<const StringNode&>(node).quoted;
      return;
    case NodeType::kIf:
      WriteBranch(static_cast<const BranchNode&>(node), "if", out);
      return;
    case NodeType::kRange:
      WriteBranch(static_cast<const BranchNode&>(node), "range", out);
      return;
    case NodeType::kWith:
      WriteBranch(static_cast<const BranchNode&>(node), "with", out);
      return;
    case NodeType::kTemplate: {
      const auto& t = static_cast<const TemplateNode&>(node);
      *out += "{{template " + util::GoQuote(t.name);
      if (t.pipe) {
        *out += ' ';
        WritePipe(*t.pipe, out);
      }
      *out += "}}";
      return;
    }
    case NodeType::kBreak:
      *out += "{{break}}";
      return;
    case NodeType::kContinue:
      *out += "{{continue}}";
      return;
  }
}

bool IsGoSpaceByte(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

std::string NodeString(const Node& node) {
  std::string out;
  WriteNode(node, &out);
  return out;
}

bool IsEmptyTree(const Node* node) {
  if (node == nullptr) return true;
  switch (node->type) {
    case NodeType::kList:
      for (const auto& n : static_cast<const ListNode*>(node)->nodes) {
        if (!IsEmptyTree(n.get())) return false;
      }
      return true;
    case NodeType::kText:
      for (char c : static_cast<const TextNode*>(node)->text) {
        if (!IsGoSpaceByte(c)) return false;
      }
      return true;
    default:
      return false;
  }
}

std::string ErrorLocation(const ParsedTemplate& tmpl, size_t pos) {
  const std::string_view before = std::string_view(tmpl.text).substr(0, pos);
  const size_t newline = before.rfind('\n');
  const size_t column = newline == std::string_view::npos ? pos : pos - (newline + 1);
  size_t line = 1;
  for (char c : before) line += c == '\n';
  return tmpl.name + ":" + std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace tidemark::rules::internal
