// The fast path's decision fill (src/policy/evaluate.cpp): points lines written from consecutive
// outputs, certificate statuses from bit operations, a Decision prepared once per policy. Random
// policies with shuffled requirement lists, substitutes and submitted certificates must give the
// same complete decision (every line field, every status and substitute) on the fused program, the
// unoptimized program, rule by rule and with a trace, into fresh and into reused Decisions.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "policy/compiled_policy.hpp"
#include "support/random.hpp"

namespace {

using admit_test::Random;

// Everything a decision says, field by field.
std::string full(const admit::Decision& d) {
  if (!d.ok()) return "error: " + d.error();
  std::string s = std::string(d.eligible() ? "eligible " : "ineligible ") + std::to_string(d.failed_check()) + " " +
                  std::string(d.group_id()) + " " + d.points().to_string() + "/" + d.points_uncapped().to_string() +
                  " lines:";
  for (const auto& line : d.breakdown())
    s += " " + std::to_string(line.item) + "=" + line.raw.to_string() + ">" + line.value.to_string() +
         (line.applied ? "" : "(off)");
  s += " certificates:";
  for (const auto& c : d.certificates())
    s += " " + std::string(d.policy()->certificates()[c.certificate].id) + ":" + std::string(admit::to_string(c.status)) +
         (c.substitute == UINT32_MAX ? "" : "#" + std::to_string(c.substitute));
  s += " missing " + std::to_string(d.missing_count()) + " sort key:";
  for (std::int64_t k : d.sort_key()) s += " " + std::to_string(k);
  return s;
}

const char* kBool[] = {"f", "g", "a > b", "a == 1", "z in [p, q]", "not f", "true", "a < 0 or g"};
const char* kNumber[] = {"a", "b", "a + b", "min(a, 5)", "max(b, 0) * 1.5", "if f then 10 else 2.5", "3", "a - 7"};

// `certificates` certificates c0.., some with substitutes; requirement lists in random order (or
// ascending, the certificate-bits layout) with random conditions.
std::string random_policy(Random& r, int certificates, bool ascending) {
  std::string yaml = R"(admit: 1
policy: {id: fast, year: 2026, grade: 1}
facts:
  a: {type: int}
  b: {type: int}
  f: {type: bool}
  g: {type: bool}
  z: {type: enum, values: [p, q, r]}
certificates:
)";
  for (int c = 0; c < certificates; ++c) {
    yaml += "  c" + std::to_string(c) + ":\n    label: C" + std::to_string(c) + "\n";
    if (r.below(3) == 0 && certificates > 2) {
      yaml += "    substitutes:\n";
      for (int s = 0, n = 1 + r.below(2); s < n; ++s) {
        int x = r.below(certificates), y = r.below(certificates);
        if (x == c) x = (x + 1) % certificates;
        if (y == c) y = (y + 1) % certificates;
        yaml += "      - id: s" + std::to_string(s) + "\n        all_of: [c" + std::to_string(x) +
                (y != x ? ", c" + std::to_string(y) : std::string()) + "]\n";
        if (r.below(2)) yaml += "        when: " + std::string(kBool[r.below(8)]) + "\n";
      }
    }
  }
  yaml += "eligibility:\n  - id: check\n    require: b != 9\ngroups:\n";
  for (int g = 0; g < 4; ++g) {
    yaml += "  - id: g" + std::to_string(g) + "\n    when: " + (g == 3 ? std::string("true") : "a == " + std::to_string(g) +
            " or " + kBool[r.below(8)]) + "\n";
    std::vector<int> chosen;
    for (int c = 0; c < certificates; ++c)
      if (r.below(3) == 0) chosen.push_back(c);
    if (!ascending)
      for (std::size_t i = chosen.size(); i > 1; --i) std::swap(chosen[i - 1], chosen[static_cast<std::size_t>(r.below(static_cast<int>(i)))]);
    if (chosen.empty()) continue;
    yaml += "    requires:\n";
    for (int c : chosen) {
      if (r.below(2)) yaml += "      - certificate: c" + std::to_string(c) + "\n        when: " + kBool[r.below(8)] + "\n";
      else yaml += "      - c" + std::to_string(c) + "\n";
    }
  }
  const int items = r.below(6);
  if (items == 0) return yaml;
  yaml += "points:\n";
  if (r.below(2)) yaml += "  cap: 20\n";
  yaml += "  items:\n";
  for (int i = 0; i < items; ++i) {
    yaml += "    - id: i" + std::to_string(i) + "\n      value: " + kNumber[r.below(8)] + "\n";
    if (r.below(2)) yaml += "      when: " + std::string(kBool[r.below(8)]) + "\n";
    if (r.below(3) == 0) yaml += "      cap: 4.5\n";
  }
  if (r.below(2)) yaml += "tie_break:\n  - {id: t0, key: points, order: descending}\n  - {id: t1, key: a}\n";
  return yaml;
}

std::string random_applicant(Random& r, int certificates) {
  auto num = [&](int range) { return std::to_string(r.below(2 * range + 1) - range); };
  std::string s = "{\"a\":" + num(4) + ",\"b\":" + num(10) + ",\"f\":" + (r.below(2) ? "true" : "false") +
                  ",\"g\":" + (r.below(2) ? "true" : "false") + ",\"z\":\"" + "pqr"[r.below(3)] + "\"";
  for (const char* list : {"verified", "submitted"}) {
    s += ",\"" + std::string(list) + "\":[";
    bool first = true;
    for (int c = 0; c < certificates; ++c)
      if (r.below(3) == 0) {
        s += std::string(first ? "" : ",") + "\"c" + std::to_string(c) + "\"";
        first = false;
      }
    s += "]";
  }
  return s + "}";
}

}  // namespace

TEST_CASE("fast path: complete decisions agree with rule by rule, unoptimized and traced evaluation", "[evaluate][fast]") {
  Random r(5150);
  admit::CompileOptions plain;
  plain.optimize = false;
  admit::Decision shared;  // reused across every policy and path: must never leak a previous answer
  int with_bits = 0, without_bits = 0, policies = 0;
  for (int round = 0; round < 60; ++round) {
    const int certificates = round % 10 == 9 ? 70 : 2 + r.below(7);  // 70: more than one bit word
    const bool ascending = round % 2 == 0;
    const std::string yaml = random_policy(r, certificates, ascending);
    INFO(yaml);
    auto optimized = admit::compile_source(yaml, "fast.yaml");
    auto reference = admit::compile_source(yaml, "fast.yaml", plain);
    INFO(admit::render_text(optimized.diagnostics));
    REQUIRE(optimized.ok());
    REQUIRE(reference.ok());
    ++policies;
    const auto& fused = optimized.policy->compiled().fused;
    REQUIRE(fused.available);
    (fused.certificate_bits ? with_bits : without_bits)++;
    if (certificates > 64) CHECK_FALSE(fused.certificate_bits);
    admit::Applicant a1(*optimized.policy), a2(*reference.policy);
    for (int k = 0; k < 120; ++k) {
      const std::string applicant = random_applicant(r, certificates);
      INFO(applicant);
      REQUIRE(a1.bind_json(applicant));
      REQUIRE(a2.bind_json(applicant));
      admit::Decision fast, slow, rule_by_rule, traced;
      optimized.policy->evaluate(a1, fast);
      reference.policy->evaluate(a2, slow);
      admit::internal::evaluate_rule_by_rule(*optimized.policy, a1, rule_by_rule);
      optimized.policy->evaluate_with_trace(a1, traced);
      const std::string expected = full(slow);
      REQUIRE(full(fast) == expected);
      REQUIRE(full(rule_by_rule) == expected);
      REQUIRE(full(traced) == expected);
      // The same Decision, alternating paths and policies.
      switch (k % 4) {
        case 0: optimized.policy->evaluate(a1, shared); break;
        case 1: optimized.policy->evaluate_with_trace(a1, shared); break;
        case 2: reference.policy->evaluate(a2, shared); break;
        default: admit::internal::evaluate_rule_by_rule(*optimized.policy, a1, shared); break;
      }
      REQUIRE(full(shared) == expected);
      optimized.policy->evaluate(a1, shared);
      REQUIRE(full(shared) == expected);
    }
  }
  CHECK(policies == 60);
  CHECK(with_bits >= 20);
  CHECK(without_bits >= 20);
}

TEST_CASE("fast path: a decision reused between policies with different points layouts", "[evaluate][fast]") {
  // Policy one: item 0 has a `when`; policy two: item 0 has none (its lines must say applied).
  auto one = admit::compile_source(R"(admit: 1
policy: {id: one, year: 2026, grade: 1}
facts: {a: {type: int}}
groups: [{id: all, when: true}]
points:
  items:
    - {id: x, value: a, when: a > 5}
    - {id: y, value: 1}
    - {id: z, value: 2, when: a > 5}
)", "one.yaml");
  auto two = admit::compile_source(R"(admit: 1
policy: {id: two, year: 2026, grade: 1}
facts: {a: {type: int}}
groups: [{id: all, when: true}]
points:
  items:
    - {id: x, value: a}
)", "two.yaml");
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  admit::Applicant a1(*one.policy), a2(*two.policy);
  REQUIRE(a1.bind_json(R"({"a": 1})"));
  REQUIRE(a2.bind_json(R"({"a": 1})"));
  admit::Decision d;
  for (int round = 0; round < 3; ++round) {
    one.policy->evaluate(a1, d);
    REQUIRE(d.breakdown().size() == 3);
    CHECK_FALSE(d.breakdown()[0].applied);
    CHECK(d.breakdown()[1].applied);
    CHECK(d.breakdown()[1].item == 1);
    CHECK_FALSE(d.breakdown()[2].applied);
    two.policy->evaluate(a2, d);
    REQUIRE(d.breakdown().size() == 1);
    CHECK(d.breakdown()[0].applied);
    CHECK(d.breakdown()[0].item == 0);
    CHECK(d.points().to_string() == "1");
    one.policy->evaluate_with_trace(a1, d);  // the slow path writes whole lines
    CHECK_FALSE(d.breakdown()[0].applied);
    two.policy->evaluate(a2, d);  // ... so the fast path must set its fixed fields again
    CHECK(d.breakdown()[0].applied);
  }
}
