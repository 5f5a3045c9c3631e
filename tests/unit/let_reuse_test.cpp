// Let reuse (src/sema/expression_compiler.cpp): a let used more than once in a rule is evaluated at
// most once there, and only where the rule as written would evaluate it (lets are lazy: a let under
// a branch that is not taken must not raise its error). Random policies are compared with the same
// policy whose lets are substituted textually (the meaning of a let), on the fused program,
// unoptimized and rule by rule. Also: positions of nodes in appended (extended) YAML files.

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "policy/compiled_policy.hpp"
#include "support/random.hpp"

namespace {

using admit_test::Random;

std::string full(const admit::Decision& d) {
  if (!d.ok()) {
    // The message ends with the rule-file position of the failing instruction, which differs
    // between a let and its substituted text.
    std::string e = d.error();
    return "error: " + e.substr(0, e.find(" ("));
  }
  std::string s = std::string(d.eligible() ? "eligible " : "ineligible ") + std::to_string(d.failed_check()) + " " +
                  std::string(d.group_id()) + " " + d.points().to_string() + " lines:";
  for (const auto& line : d.breakdown())
    s += " " + std::to_string(line.item) + "=" + line.raw.to_string() + (line.applied ? "" : "(off)");
  s += " sort key:";
  for (std::int64_t k : d.sort_key()) s += " " + std::to_string(k);
  return s;
}

const char* kFacts = R"(admit: 1
policy: {id: lets, year: 2026, grade: 1}
facts:
  a: {type: int}
  b: {type: int}
  f: {type: bool}
  g: {type: bool}
  z: {type: enum, values: [p, q, r]}
  kids:
    type: list
    max_items: 3
    fields:
      age: {type: int}
)";

// Let bodies: `#` is replaced by an earlier let (or a fact when there is none). Several can fail
// (division by zero when a or b is 0, an empty `max`).
const char* kNumberLets[] = {
    "a * 2 + b",
    "10 / a",
    "# + 1",
    "# * # - b",
    "if f then # else b",
    "if a != 0 then 7 / a + # else #",
    "b / (a - 1)",
    "max(#, a) + min(#, 3)",
    "match z { p => #, q => # + 2, _ => 0 }",
    "sum(k in kids, k.age * #)",
    "max(k in kids where k.age > #, k.age, # + 1)",
    "count(k in kids, k.age > b) + #",
    "# / b",
};
const char* kBoolLets[] = {
    "# > 3 and f",
    "g or # < 0",
    "not (# == 2)",
    "any(k in kids, k.age == #)",
    "f and (# > 1 or # < -1)",
};
// Rule templates: `N` an earlier number let, `B` a boolean let.
const char* kConditions[] = {
    "N > 2",
    "a != 0 and N > 1 and N < 100",
    "f and N == N",
    "B or N > 5",
    "B and B",
    "if g then N > 0 else B",
    "match z { p => N > 1, q => B, _ => false }",
    "b == 0 or N + N > 3",
    "any(k in kids, k.age < N)",
    "not B or (a > 1 and N < N + 1)",
    "f",
};
const char* kValues[] = {
    "N",
    "N + N",
    "if f then N else 2",
    "if B then N * 2 else N",
    "max(N, 0) + min(N, 1)",
    "match z { p => N, q => 1, _ => N - 1 }",
    "sum(k in kids where k.age > 1, N)",
    "if a == 0 then 0 else N + N",
    "3",
};

struct Lets {
  std::vector<std::pair<std::string, std::string>> defs;  // name, body (in order)
  std::vector<std::string> numbers, booleans;
};

std::string fill(Random& r, std::string text, const std::vector<std::string>& numbers, char mark, const char* fallback) {
  for (std::size_t at = text.find(mark); at != std::string::npos; at = text.find(mark, at)) {
    std::string pick = numbers.empty() ? fallback : numbers[static_cast<std::size_t>(r.below(static_cast<int>(numbers.size())))];
    text.replace(at, 1, pick);
    at += pick.size();
  }
  return text;
}

Lets random_lets(Random& r) {
  Lets lets;
  const int count = 3 + r.below(6);
  for (int i = 0; i < count; ++i) {
    const std::string name = "l" + std::to_string(i);
    // Quantifier variables named after the let: substituted bodies nest without shadowing.
    const std::string var = "k" + std::to_string(i);
    auto rename = [&](std::string body) {
      for (std::size_t at = body.find("k in "); at != std::string::npos; at = body.find("k in ", at)) {
        body.replace(at, 1, var);
        at += var.size();
      }
      for (std::size_t at = body.find("k.age"); at != std::string::npos; at = body.find("k.age", at)) {
        body.replace(at, 1, var);
        at += var.size();
      }
      return body;
    };
    if (r.below(4) == 0) {
      // The tails keep two lets from having the same text once substituted (two groups with the
      // same condition are an error).
      lets.defs.emplace_back(name, "(" + fill(r, rename(kBoolLets[r.below(5)]), lets.numbers, '#', "a") + ") or a == " +
                                       std::to_string(1000 + i));
      lets.booleans.push_back(name);
    } else {
      lets.defs.emplace_back(name, "(" + fill(r, rename(kNumberLets[r.below(13)]), lets.numbers, '#', "a") + ") + " +
                                       std::to_string(i) + " - " + std::to_string(i));
      lets.numbers.push_back(name);
    }
  }
  return lets;
}

std::string rule(Random& r, const Lets& lets, const char* text) {
  std::string s = fill(r, text, lets.numbers, 'N', "a");
  return fill(r, s, lets.booleans, 'B', "g");
}

// The policy with its lets, or with every use of a let replaced by its (substituted) body.
std::string policy(const Lets& lets, const std::vector<std::string>& conditions, const std::vector<std::string>& values,
                   const std::string& key, bool substitute) {
  std::map<std::string, std::string> expanded;
  auto expand = [&](const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
      // A let name: `l` and digits, not preceded by a name character.
      if (text[i] == 'l' && (i == 0 || !(std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_' ||
                                         text[i - 1] == '.'))) {
        std::size_t j = i + 1;
        while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
        const bool word_end = j == text.size() || !(std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_');
        if (j > i + 1 && word_end) {
          out += "(" + expanded.at(text.substr(i, j - i)) + ")";
          i = j;
          continue;
        }
      }
      out += text[i++];
    }
    return out;
  };
  std::string yaml = kFacts;
  if (substitute) {
    for (const auto& [name, body] : lets.defs) expanded[name] = expand(body);
  } else {
    yaml += "let:\n";
    for (const auto& [name, body] : lets.defs) yaml += "  " + name + ": \"" + body + "\"\n";
  }
  auto text = [&](const std::string& s) { return "\"" + (substitute ? expand(s) : s) + "\""; };
  yaml += "eligibility:\n  - id: check\n    require: " + text(conditions[0]) + "\ngroups:\n";
  for (std::size_t g = 1; g < conditions.size(); ++g)
    yaml += "  - id: g" + std::to_string(g) + "\n    when: " + text(conditions[g]) + "\n";
  yaml += "  - id: rest\n    when: true\n    tie_break:\n      - {id: k, key: " + text(key) + "}\n";
  yaml += "points:\n  items:\n";
  for (std::size_t i = 0; i < values.size(); ++i)
    yaml += "    - id: i" + std::to_string(i) + "\n      value: " + text(values[i]) + "\n" +
            (i % 2 ? "      when: " + text(conditions[i % conditions.size()]) + "\n" : "");
  return yaml;
}

std::string random_applicant(Random& r) {
  auto num = [&](int range) { return std::to_string(r.below(2 * range + 1) - range); };
  std::string s = "{\"a\":" + num(2) + ",\"b\":" + num(2) + ",\"f\":" + (r.below(2) ? "true" : "false") +
                  ",\"g\":" + (r.below(2) ? "true" : "false") + ",\"z\":\"" + "pqr"[r.below(3)] + "\",\"kids\":[";
  for (int k = 0, n = r.below(4); k < n; ++k) s += std::string(k ? "," : "") + "{\"age\":" + num(3) + "}";
  return s + "]}";
}

admit::Decision decide(const admit::Policy& p, admit::Applicant& a, int path) {
  admit::Decision d;
  if (path == 0) p.evaluate(a, d);
  else admit::internal::evaluate_rule_by_rule(p, a, d);
  return d;
}

}  // namespace

TEST_CASE("let reuse: random lets give the decisions of their substituted text", "[let][fast]") {
  Random r(2718);
  admit::CompileOptions plain;
  plain.optimize = false;
  int errors = 0, decisions = 0;
  for (int round = 0; round < 80; ++round) {
    const Lets lets = random_lets(r);
    std::vector<std::string> conditions, values;
    for (int i = 0, n = 2 + r.below(4); i < n; ++i) {
      std::string c = rule(r, lets, kConditions[r.below(11)]);
      // Groups with the same condition are an error (the second is unreachable).
      while (std::find(conditions.begin(), conditions.end(), c) != conditions.end()) c = "(" + c + ") or a == " + std::to_string(i + 10);
      conditions.push_back(c);
    }
    for (int i = 0, n = 1 + r.below(4); i < n; ++i) values.push_back(rule(r, lets, kValues[r.below(9)]));
    const std::string key = rule(r, lets, kValues[r.below(9)]);
    const std::string with_lets = policy(lets, conditions, values, key, false);
    const std::string substituted = policy(lets, conditions, values, key, true);
    INFO(with_lets);
    auto fused = admit::compile_source(with_lets, "lets.yaml");
    auto unoptimized = admit::compile_source(with_lets, "lets.yaml", plain);
    auto reference = admit::compile_source(substituted, "lets.yaml", plain);
    INFO(admit::render_text(fused.diagnostics));
    INFO(admit::render_text(reference.diagnostics));
    REQUIRE(fused.ok());
    REQUIRE(unoptimized.ok());
    REQUIRE(reference.ok());
    admit::Applicant a1(*fused.policy), a2(*unoptimized.policy), a3(*reference.policy);
    for (int k = 0; k < 60; ++k) {
      const std::string applicant = random_applicant(r);
      INFO(applicant);
      REQUIRE(a1.bind_json(applicant));
      REQUIRE(a2.bind_json(applicant));
      REQUIRE(a3.bind_json(applicant));
      const std::string expected = full(decide(*reference.policy, a3, 1));
      REQUIRE(full(decide(*fused.policy, a1, 0)) == expected);
      REQUIRE(full(decide(*fused.policy, a1, 1)) == expected);
      REQUIRE(full(decide(*unoptimized.policy, a2, 0)) == expected);
      REQUIRE(full(decide(*unoptimized.policy, a2, 1)) == expected);
      ++decisions;
      errors += expected.rfind("error", 0) == 0;
    }
  }
  // Both kinds of outcome must be exercised.
  CHECK(errors > 100);
  CHECK(decisions - errors > 1000);
}

TEST_CASE("let reuse: a failing let under a branch not taken raises nothing", "[let]") {
  auto r = admit::compile_source(R"(admit: 1
policy: {id: lazy, year: 2026, grade: 1}
facts:
  a: {type: int}
  f: {type: bool}
  id: {type: resident_id}
let:
  q: 10 / a
  born: id_birth_date(id)
eligibility:
  - id: check
    require: a == 0 or (q > 1 and q < 100)
groups:
  - id: dated
    when: id_valid(id) and year(born) == 2019 and month(born) > 6
  - id: twice
    when: f and a != 0 and q + q > 3
  - id: rest
    when: true
points:
  items:
    - id: x
      value: if a == 0 then 0 else q + q
    - id: y
      value: if f then 1 else (if year(born) > 2000 then q else q * 2)
      when: id_valid(id) and a != 0
)", "lazy.yaml");
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  admit::Applicant a(*r.policy);
  for (const char* json : {R"({"a": 0, "f": true, "id": "bad"})", R"({"a": 0, "f": false, "id": "bad"})"}) {
    INFO(json);
    REQUIRE(a.bind_json(json));
    for (int path = 0; path < 2; ++path) {
      admit::Decision d = decide(*r.policy, a, path);
      INFO(d.error());
      REQUIRE(d.ok());
      CHECK(d.group_id() == "rest");
      CHECK(d.points().to_string() == "0");
    }
  }
  REQUIRE(a.bind_json(R"({"a": 4, "f": true, "id": "bad"})"));
  for (int path = 0; path < 2; ++path) {
    admit::Decision d = decide(*r.policy, a, path);
    INFO(d.error());
    REQUIRE(d.ok());
    CHECK(d.group_id() == "twice");
    CHECK(d.points().to_string() == "5");
  }
}

TEST_CASE("let reuse: a let used many times is computed once", "[let]") {
  // Each let uses the one before three times, first in a condition that runs before both branches:
  // compiled in place, l12 would be 3^12 copies of l0.
  std::string lets = "  l0: a * b\n";
  for (int i = 1; i <= 12; ++i) {
    const std::string prev = "l" + std::to_string(i - 1);
    lets += "  l" + std::to_string(i) + ": if " + prev + " > b then " + prev + " + 1 else " + prev + " * 2\n";
  }
  auto once = admit::compile_source(R"(admit: 1
policy: {id: once, year: 2026, grade: 1}
facts: {a: {type: int}, b: {type: int}}
let:
)" + lets + R"(groups:
  - {id: g, when: "l12 > 3 and l12 < 100 and l12 != 7"}
  - {id: h, when: "l3 > 1"}
  - {id: rest, when: "true"}
)", "once.yaml");
  INFO(admit::render_text(once.diagnostics));
  REQUIRE(once.ok());
  CHECK(once.policy->compiled().program.code.size() < 600);
  admit::Applicant a(*once.policy);
  for (int x = -3; x <= 3; ++x)
    for (int y = -3; y <= 6; ++y) {
      std::int64_t l[13];
      l[0] = x * y;
      for (int i = 1; i <= 12; ++i) l[i] = l[i - 1] > y ? l[i - 1] + 1 : l[i - 1] * 2;
      const char* expected = l[12] > 3 && l[12] < 100 && l[12] != 7 ? "g" : l[3] > 1 ? "h" : "rest";
      REQUIRE(a.bind_json("{\"a\": " + std::to_string(x) + ", \"b\": " + std::to_string(y) + "}"));
      for (int path = 0; path < 2; ++path) CHECK(decide(*once.policy, a, path).group_id() == expected);
    }
}

TEST_CASE("let reuse: the Fuzhou draw compiles to a small program", "[let][rules]") {
  const std::string path = std::string(ADMIT_SOURCE_DIR) + "/rules/fujian/fuzhou/private-lottery-2020-resume.yaml";
  auto r = admit::compile_file(path);
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  // 276 000 instructions when every use of a let was compiled in place.
  CHECK(r.policy->compiled().program.code.size() < 8000);  // 3 832 with let reuse
}

TEST_CASE("layers: nodes of an extended file keep their positions, aliases too", "[layers][yaml]") {
  admit::CompileOptions options;
  options.files = {{"x/base.yaml", "admit: 1\n"
                                   "facts:\n"
                                   "  a: {type: int}\n"
                                   "  b: &shared {type: int}\n"
                                   "  c: *shared\n"
                                   "groups:\n"
                                   "  - {id: one, when: a > 1}\n"
                                   "  - {id: two, when: a + nope > 1}\n"},
                   {"x/bad.yaml", "admit: 1\n"
                                  "facts:\n"
                                  "  a: {type: int}\n"
                                  "  b: [1, 2\n"}};
  options.read_bases_from_disk = false;
  auto r = admit::compile_source("admit: 1\nextends: base.yaml\npolicy: {id: c}\n", "x/c.yaml", options);
  auto it = std::find_if(r.diagnostics.begin(), r.diagnostics.end(), [](const auto& d) { return d.code == "unknown-name"; });
  REQUIRE(it != r.diagnostics.end());
  CHECK(it->file == "x/base.yaml");
  CHECK(it->line == 8);
  CHECK(it->column == 25);

  auto bad = admit::compile_source("admit: 1\nextends: [base.yaml, bad.yaml]\npolicy: {id: c}\n", "x/c.yaml", options);
  it = std::find_if(bad.diagnostics.begin(), bad.diagnostics.end(), [](const auto& d) { return d.code == "yaml"; });
  REQUIRE(it != bad.diagnostics.end());
  CHECK(it->file == "x/bad.yaml");
  CHECK(it->line == 5);
}
