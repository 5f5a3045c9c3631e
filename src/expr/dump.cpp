// A stable S-expression rendering of an Ast, for golden tests and `admit dump`.

#include "expr/dump.hpp"

namespace admit::internal::expr {
namespace {

void dump_node(const Ast& ast, std::uint32_t index, std::string& out) {
  const Node& n = ast.at(index);
  auto children = [&](std::size_t from = 0) {
    for (std::size_t i = from; i < n.children.size(); ++i) {
      out += ' ';
      dump_node(ast, n.children[i], out);
    }
  };
  switch (n.kind) {
    case NodeKind::int_literal:
    case NodeKind::decimal_literal: out += n.text; return;
    case NodeKind::string_literal: out += '"' + n.text + '"'; return;
    case NodeKind::date_literal: out += "#" + n.text; return;
    case NodeKind::bool_literal: out += n.op ? "true" : "false"; return;
    case NodeKind::name: out += n.text; return;
    case NodeKind::list_literal: out += "[list"; children(); out += ']'; return;
    case NodeKind::unary: out += '('; out += to_string(static_cast<UnaryOp>(n.op)); children(); out += ')'; return;
    case NodeKind::binary: out += '('; out += to_string(static_cast<BinaryOp>(n.op)); children(); out += ')'; return;
    case NodeKind::if_expr: out += "(if"; children(); out += ')'; return;
    case NodeKind::match_expr: out += "(match"; children(); out += ')'; return;
    case NodeKind::match_arm: out += "(arm"; children(); out += ')'; return;
    case NodeKind::call: out += "(" + n.text; children(); out += ')'; return;
    case NodeKind::quantifier:
      out += "(" + n.text + " " + n.var;
      if (n.flags & kQuantifierHasWhere) out += " where";
      if (n.flags & kQuantifierHasDefault) out += " default";
      children();
      out += ')';
      return;
  }
}

}  // namespace

std::string dump(const Ast& ast) {
  std::string out;
  if (!ast.nodes.empty()) dump_node(ast, ast.root, out);
  return out;
}

}  // namespace admit::internal::expr
