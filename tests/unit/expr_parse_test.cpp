#include <catch2/catch.hpp>

#include "expr/dump.hpp"
#include "expr/parse.hpp"

using admit::internal::expr::dump;
using admit::internal::expr::parse_expression;
using admit::internal::expr::ParseLimits;

namespace {
std::string parsed(std::string_view text) {
  auto r = parse_expression(text);
  if (r.error) return "error@" + std::to_string(r.error->begin) + ": " + r.error->message;
  return dump(r.ast);
}
}  // namespace

TEST_CASE("literals", "[expr][parse]") {
  CHECK(parsed("42") == "42");
  CHECK(parsed("0.35") == "0.35");
  CHECK(parsed("2020-08-31") == "#2020-08-31");
  CHECK(parsed("\"有房有户\"") == "\"有房有户\"");
  CHECK(parsed("'it''s'") .rfind("error", 0) == 0);
  CHECK(parsed("'a\\'b'") == "\"a'b\"");
  CHECK(parsed("true") == "true");
  CHECK(parsed("[1, 2, 3]") == "[list 1 2 3]");
  CHECK(parsed("[]") == "[list]");
}

TEST_CASE("precedence and associativity", "[expr][parse]") {
  CHECK(parsed("1 + 2 * 3") == "(+ 1 (* 2 3))");
  CHECK(parsed("1 - 2 - 3") == "(- (- 1 2) 3)");
  CHECK(parsed("(1 + 2) * 3") == "(* (+ 1 2) 3)");
  CHECK(parsed("-x * 2") == "(* (- x) 2)");
  CHECK(parsed("a or b and c") == "(or a (and b c))");
  CHECK(parsed("not a and b") == "(and (not a) b)");
  CHECK(parsed("not x > 3") == "(not (> x 3))");
  CHECK(parsed("hukou.zone == in_zone and years >= 3") == "(and (== hukou.zone in_zone) (>= years 3))");
  CHECK(parsed("zone in [a, b]") == "(in zone [list a b])");
  CHECK(parsed("zone not in [a, b]") == "(not in zone [list a b])");
  CHECK(parsed("birth_date >= 2019-09-01 and birth_date <= 2020-08-31") ==
        "(and (>= birth_date #2019-09-01) (<= birth_date #2020-08-31))");
}

TEST_CASE("if, match, calls and quantifiers", "[expr][parse]") {
  CHECK(parsed("if a then 1 else 2") == "(if a 1 2)");
  CHECK(parsed("if a then 1 else if b then 2 else 3") == "(if a 1 (if b 2 3))");
  CHECK(parsed("match zone { in_zone => 30, city | province => 10, _ => 0 }") ==
        "(match zone (arm in_zone 30) (arm city province 10) (arm _ 0))");
  CHECK(parsed("min(si_months, 60) * 0.5") == "(* (min si_months 60) 0.5)");
  CHECK(parsed("any(p in properties, p.kind == deed)") == "(any p properties (== p.kind deed))");
  CHECK(parsed("sum(p in properties where p.owner == father, p.share)") ==
        "(sum p where properties (== p.owner father) p.share)");
  CHECK(parsed("max(p in properties, p.share, 0)") == "(max p default properties p.share 0)");
  CHECK(parsed("max(a, b)") == "(max a b)");
  CHECK(parsed("count(properties)") == "(count properties)");
}

TEST_CASE("spans point at the source", "[expr][parse]") {
  auto r = parse_expression("  a +  bc");
  REQUIRE_FALSE(r.error);
  const auto& root = r.ast.at(r.ast.root);
  CHECK(root.begin == 2);
  CHECK(root.end == 9);
  const auto& rhs = r.ast.at(root.children[1]);
  CHECK(rhs.begin == 7);
  CHECK(rhs.end == 9);
}

TEST_CASE("syntax errors carry a position and say what was expected", "[expr][parse]") {
  CHECK(parsed("1 +") == "error@3: expected a value, found end of expression");
  CHECK(parsed("a == ") == "error@5: expected a value, found end of expression");
  CHECK(parsed("(a + b") == "error@6: expected `)`, found end of expression");
  CHECK(parsed("if a then b") == "error@11: expected `else`, found end of expression");
  CHECK(parsed("a b") == "error@2: unexpected `b`; expected an operator or the end of the expression");
  CHECK(parsed("") == "error@0: expected an expression, found end of expression");
  CHECK(parsed("a < b < c") ==
        "error@0: comparisons cannot be chained (found a second `<`); combine them with `and`");
  CHECK(parsed("x == 房") == "error@5: expected a value, found `房`");
  CHECK(parsed("match z { a => 1 ") == "error@17: expected `}`, found end of expression");
  CHECK(parsed("and") == "error@0: expected an expression, found `and`");
}

TEST_CASE("limits turn hostile input into errors, not crashes", "[expr][parse][limits]") {
  std::string deep(100000, '(');
  auto r = parse_expression(deep, ParseLimits{.max_length = 1 << 20, .max_depth = 64});
  REQUIRE(r.error);
  CHECK(r.error->message.find("nests deeper than 64") != std::string::npos);

  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "not ";
  nots += "x";
  r = parse_expression(nots, ParseLimits{.max_length = 1 << 20, .max_depth = 64});
  REQUIRE(r.error);
  CHECK(r.error->message.find("nests deeper") != std::string::npos);

  std::string long_text(20000, 'a');
  r = parse_expression(long_text);
  REQUIRE(r.error);
  CHECK(r.error->message.find("limit is 16384") != std::string::npos);

  std::string chain = "1";
  for (int i = 0; i < 3000; ++i) chain += "+1";
  r = parse_expression(chain);
  REQUIRE_FALSE(r.error);
}
