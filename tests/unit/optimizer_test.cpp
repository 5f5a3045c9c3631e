// Differential test of the optimizer and the fused program: random policies made of random
// expressions are compiled with and without optimization, and every decision must be identical.

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "support/describe_decision.hpp"
#include "admit/policy.hpp"
#include "policy/compiled_policy.hpp"
#include "support/random.hpp"

namespace {

using admit_test::Random;

class ExpressionGenerator {
 public:
  explicit ExpressionGenerator(Random& r) : r_(r) {}

  std::string numeric(int depth, bool in_list = false) {
    if (depth <= 0) return numeric_leaf(in_list);
    switch (r_.below(in_list ? 7 : 11)) {
      case 0: return "(" + numeric(depth - 1, in_list) + " + " + numeric(depth - 1, in_list) + ")";
      case 1: return "(" + numeric(depth - 1, in_list) + " - " + numeric(depth - 1, in_list) + ")";
      case 2: return "(" + numeric(depth - 1, in_list) + " * " + numeric_leaf(in_list) + ")";
      case 3: return "min(" + numeric(depth - 1, in_list) + ", " + numeric(depth - 1, in_list) + ")";
      case 4: return "max(" + numeric(depth - 1, in_list) + ", " + numeric(depth - 1, in_list) + ")";
      case 5: return "(if " + boolean(depth - 1, in_list) + " then " + numeric(depth - 1, in_list) + " else " +
                     numeric(depth - 1, in_list) + ")";
      case 6: return "(" + numeric(depth - 1, in_list) + " / (abs(a) + 1))";
      case 7: return "match z { p => " + numeric(depth - 1) + ", q | r => " + numeric(depth - 1) + " }";
      case 8: return "sum(i in items where " + boolean(depth - 1, true) + ", i.v)";
      case 9: return "count(i in items, " + boolean(depth - 1, true) + ")";
      default: return "max(i in items, i.w + " + numeric(depth - 1, true) + ", " + numeric_leaf(false) + ")";
    }
  }

  std::string boolean(int depth, bool in_list = false) {
    if (depth <= 0) return boolean_leaf(in_list);
    switch (r_.below(in_list ? 6 : 7)) {
      case 0: return "(" + boolean(depth - 1, in_list) + " and " + boolean(depth - 1, in_list) + ")";
      case 1: return "(" + boolean(depth - 1, in_list) + " or " + boolean(depth - 1, in_list) + ")";
      case 2: return "not " + boolean_leaf(in_list);
      case 3: return numeric(depth - 1, in_list) + " < " + numeric(depth - 1, in_list);
      case 4: return numeric(depth - 1, in_list) + " == " + numeric(depth - 1, in_list);
      case 5: return "(if " + boolean(depth - 1, in_list) + " then " + boolean(depth - 1, in_list) + " else " +
                     boolean(depth - 1, in_list) + ")";
      default: return "any(i in items, i.k == p and i.v > 0.5)";
    }
  }

 private:
  std::string numeric_leaf(bool in_list) {
    static const char* leaves[] = {"a", "b", "c", "x", "y", "3", "0.25", "12", "0", "1.5"};
    static const char* list_leaves[] = {"i.v", "i.w", "a", "2"};
    return in_list && r_.below(2) ? list_leaves[r_.below(4)] : leaves[r_.below(10)];
  }
  std::string boolean_leaf(bool in_list) {
    static const char* leaves[] = {"f", "g", "z in [p, q]", "z != r", "a > b", "x <= 1.5", "true", "false"};
    static const char* list_leaves[] = {"i.k == q", "i.w > a", "i.v >= 0.5"};
    return in_list && r_.below(2) ? list_leaves[r_.below(3)] : leaves[r_.below(8)];
  }
  Random& r_;
};

std::string random_policy(Random& r) {
  ExpressionGenerator gen(r);
  std::string yaml = R"(admit: 1
policy: {id: random, year: 2026, grade: 1}
facts:
  a: {type: int}
  b: {type: int}
  c: {type: int}
  x: {type: decimal}
  y: {type: decimal}
  f: {type: bool}
  g: {type: bool}
  z: {type: enum, values: [p, q, r]}
  items:
    type: list
    max_items: 4
    fields:
      k: {type: enum, values: [p, q]}
      v: {type: decimal}
      w: {type: int}
certificates:
  c1: {}
  c2: {}
  c3: {}
eligibility:
  - id: check
    require: (c != 7 or )" + gen.boolean(2) + ")\ngroups:\n";
  for (int g = 0; g < 4; ++g) {
    // `or a == g`: never constant, never the same as another group's condition.
    yaml += "  - id: g" + std::to_string(g) + "\n    when: (" + gen.boolean(3) + ") or a == " + std::to_string(g) +
            "\n    requires:\n";
    yaml += "      - c1\n      - certificate: c2\n        when: " + gen.boolean(2) + "\n";
    yaml += "      - certificate: c3\n        when: " + gen.boolean(2) + "\n";
  }
  yaml += "points:\n  items:\n";
  for (int i = 0; i < 5; ++i) {
    yaml += "    - id: i" + std::to_string(i) + "\n      value: " + gen.numeric(3) + "\n";
    if (r.below(2)) yaml += "      when: " + gen.boolean(2) + "\n";
  }
  // Tie-break keys are segments too (computed ones read constants and temporaries).
  yaml += "tie_break:\n  - {id: t0, key: points, order: descending}\n  - id: t1\n    key: " + gen.numeric(3) +
          "\n";
  return yaml;
}

std::string random_applicant(Random& r) {
  auto num = [&](int range) { return std::to_string(r.below(2 * range + 1) - range); };
  auto dec = [&] { return num(20) + "." + std::to_string(r.below(100)); };
  std::string s = "{\"a\":" + num(10) + ",\"b\":" + num(10) + ",\"c\":" + num(10) + ",\"x\":" + dec() +
                  ",\"y\":" + dec() + ",\"f\":" + (r.below(2) ? "true" : "false") + ",\"g\":" +
                  (r.below(2) ? "true" : "false") + ",\"z\":\"" + "pqr"[r.below(3)] + "\",\"items\":[";
  int n = r.below(5);
  for (int i = 0; i < n; ++i)
    s += std::string(i ? "," : "") + "{\"k\":\"" + "pq"[r.below(2)] + "\",\"v\":" + dec() + ",\"w\":" + num(10) + "}";
  s += "],\"verified\":[";
  if (r.below(2)) s += "\"c1\"";
  s += "]}";
  return s;
}


}  // namespace

TEST_CASE("optimized and fused programs decide exactly like unoptimized ones", "[optimizer]") {
  Random r(20261124);
  admit::CompileOptions plain;
  plain.optimize = false;
  int compiled_policies = 0;
  for (int round = 0; round < 40; ++round) {
    std::string yaml = random_policy(r);
    auto optimized = admit::compile_source(yaml, "random.yaml");
    auto reference = admit::compile_source(yaml, "random.yaml", plain);
    INFO(yaml);
    INFO(admit::render_text(optimized.diagnostics));
    REQUIRE(optimized.ok() == reference.ok());
    if (!optimized.ok()) continue;  // e.g. a constant division by zero: both refuse it
    ++compiled_policies;
    REQUIRE(optimized.policy->compiled().fused.available);
    REQUIRE_FALSE(reference.policy->compiled().fused.available);
    admit::Applicant a1(*optimized.policy), a2(*reference.policy);
    admit::Decision d1, d2, d3;
    for (int k = 0; k < 150; ++k) {
      std::string applicant = random_applicant(r);
      INFO(applicant);
      REQUIRE(a1.bind_json(applicant));
      REQUIRE(a2.bind_json(applicant));
      optimized.policy->evaluate(a1, d1);
      reference.policy->evaluate(a2, d2);
      admit::internal::evaluate_rule_by_rule(*optimized.policy, a1, d3);
      REQUIRE(admit_test::describe(d1) == admit_test::describe(d2));
      REQUIRE(admit_test::describe(d3) == admit_test::describe(d2));
    }
  }
  CHECK(compiled_policies >= 36);
}
