#pragma once
// The expression tree produced by the parser: a flat vector of nodes, children by index, so that
// walking and destroying a tree never recurses deeper than the parser allowed it to nest.

#include <cstdint>
#include <string>
#include <vector>

namespace admit::internal::expr {

enum class NodeKind : std::uint8_t {
  int_literal,      // text: digits
  decimal_literal,  // text: digits '.' digits
  string_literal,   // text: decoded string
  date_literal,     // text: YYYY-MM-DD
  bool_literal,     // op: 0 false, 1 true
  list_literal,     // children: elements
  name,             // text: dotted name ("hukou.zone"), or "_" in a match pattern
  unary,            // op: UnaryOp; children: operand
  binary,           // op: BinaryOp; children: lhs, rhs
  if_expr,          // children: condition, then, else
  match_expr,       // children: subject, arms...
  match_arm,        // children: patterns..., value (the last child); a pattern `_` is the default
  call,             // text: function name; children: arguments
  quantifier,       // text: any|all|count|sum|max|min; var: bound name;
                    // children: list, [where], body, [default] (see flags)
};

enum class UnaryOp : std::uint8_t { negate, logical_not };

enum class BinaryOp : std::uint8_t {
  add, subtract, multiply, divide,
  equal, not_equal, less, less_equal, greater, greater_equal,
  in, not_in,
  logical_and, logical_or,
};

inline constexpr std::uint8_t kQuantifierHasWhere = 1;
inline constexpr std::uint8_t kQuantifierHasDefault = 2;

struct Node {
  NodeKind kind{};
  std::uint8_t op = 0;     // UnaryOp / BinaryOp / bool value
  std::uint8_t flags = 0;  // quantifier flags
  std::uint32_t begin = 0; // byte span in the expression text, half-open
  std::uint32_t end = 0;
  std::string text;
  std::string var;
  std::vector<std::uint32_t> children;
};

struct Ast {
  std::vector<Node> nodes;
  std::uint32_t root = 0;
  const Node& at(std::uint32_t i) const { return nodes[i]; }
};

const char* to_string(BinaryOp op) noexcept;
const char* to_string(UnaryOp op) noexcept;

}  // namespace admit::internal::expr
