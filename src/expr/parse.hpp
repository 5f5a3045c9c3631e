#pragma once
// Parsing one expression (the text of a YAML scalar) into an Ast. Spirit X3 stays inside parse.cpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "expr/ast.hpp"

namespace admit::internal::expr {

struct ParseLimits {
  std::size_t max_length = 16 * 1024;  // bytes of one expression
  std::uint32_t max_depth = 64;        // nesting of parentheses, prefixes, if/match/calls
};

struct ParseError {
  std::uint32_t begin = 0;  // byte span in the expression text
  std::uint32_t end = 0;
  std::string message;
  bool limit = false;  // a resource limit (length, depth), not a syntax mistake
};

struct ParseResult {
  Ast ast;
  std::optional<ParseError> error;
};

ParseResult parse_expression(std::string_view text, const ParseLimits& limits = {});

/// The reserved words of the language (cannot name a fact or a derived value).
bool is_keyword(std::string_view word) noexcept;

}  // namespace admit::internal::expr
