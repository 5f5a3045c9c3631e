// Rule-file diagnostics: every kind, with its message and exact position.

#include <catch2/catch.hpp>

#include <string>

#include "admit/policy.hpp"

namespace {

const char* kFacts = R"(admit: 1
policy:
  id: t
  year: 2026
  grade: 1
facts:
  age: {type: int}
  zone: {type: enum, values: [in_zone, city, outside]}
  share: {type: decimal, default: 0}
  born: {type: date}
  name: {type: string, default: ""}
  hukou:
    zone: {type: enum, values: [here, there]}
  properties:
    type: list
    max_items: 4
    fields:
      kind: {type: enum, values: [deed, contract]}
      share: {type: decimal}
certificates:
  register: {label: 户口簿, verified_by: 公安户籍}
  deed: {label: 不动产权证书}
)";

std::string policy_with(const std::string& tail) { return std::string(kFacts) + tail; }

admit::CompileResult compile(const std::string& text) { return admit::compile_source(text, "t.yaml"); }

// The first error, as "line:column: code: message".
std::string first_error(const std::string& text) {
  auto r = compile(text);
  for (const auto& d : r.diagnostics)
    if (d.severity == admit::Severity::error)
      return std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.code + ": " + d.message;
  return "no error";
}

const admit::Diagnostic* find_error(const admit::CompileResult& r) {
  for (const auto& d : r.diagnostics)
    if (d.severity == admit::Severity::error) return &d;
  return nullptr;
}

constexpr int kFirstTailLine = 23;  // the line after kFacts

}  // namespace

TEST_CASE("a well-formed policy compiles with no diagnostics", "[compile]") {
  auto r = compile(policy_with("groups:\n  - id: a\n    when: zone == in_zone\n  - id: b\n    when: true\n"));
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  CHECK(r.diagnostics.empty());
  CHECK(r.policy->groups().size() == 2);
  CHECK(r.policy->groups()[1].rank == 2);
  CHECK(r.policy->metadata().year == 2026);
}

TEST_CASE("unknown names are reported at the name, with a suggestion", "[compile][diagnostics]") {
  auto r = compile(policy_with("groups:\n  - id: a\n    when: zone == in_zone and hukou.zon == here\n"));
  REQUIRE_FALSE(r.ok());
  const auto* d = find_error(r);
  REQUIRE(d);
  CHECK(d->code == "unknown-name");
  CHECK(d->message == "unknown name `hukou.zon`");
  CHECK(d->line == kFirstTailLine + 2);
  CHECK(d->column == 31);
  CHECK(d->end_column == 40);
  CHECK(d->help == "did you mean `hukou.zone`?");
  CHECK(d->source_line == "    when: zone == in_zone and hukou.zon == here");
}

TEST_CASE("type errors say what was expected and what was found", "[compile][diagnostics]") {
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: age + 1\n")) ==
        "25:11: type-mismatch: a condition must be bool, found int");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: zone == 3\n")) ==
        "25:11: type-mismatch: cannot compare enum `zone` with int");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: born > 5\n")) ==
        "25:11: type-mismatch: cannot compare date with int");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: zone < in_zone\n")) ==
        "25:11: type-mismatch: enum `zone` values can only be compared with `==` and `!=`");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: not age\n")) ==
        "25:15: type-mismatch: the operand of `not` must be bool, found int");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: born - born > 3\n")) ==
        "25:11: type-mismatch: dates cannot be subtracted");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: (if age > 3 then 1 else zone) == 1\n")) ==
        "25:12: type-mismatch: the branches of `if` differ: int and enum `zone`");
}

TEST_CASE("enum values are checked against the enum", "[compile][diagnostics]") {
  auto r = compile(policy_with("groups:\n  - id: a\n    when: zone == in_zon\n"));
  const auto* d = find_error(r);
  REQUIRE(d);
  CHECK(d->code == "unknown-enum-value");
  CHECK(d->message == "`in_zon` is not a value of `zone` (values: in_zone, city, outside)");
  CHECK(d->column == 19);
  CHECK(d->help == "did you mean `in_zone`?");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: zone in [city, \"nowhere\"]\n")) ==
        "25:26: unknown-enum-value: \"nowhere\" is not a value of `zone` (values: in_zone, city, outside)");
  // Either side of a comparison may name the value.
  CHECK(compile(policy_with("groups:\n  - id: a\n    when: in_zone == zone\n")).ok());
  CHECK(compile(policy_with("groups:\n  - id: a\n    when: zone == 'city'\n")).ok());
}

TEST_CASE("syntax errors inside expressions point into the file", "[compile][diagnostics]") {
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: age >= 3 and\n")) ==
        "25:23: syntax: expected a condition, found end of expression");
  // A folded block scalar: the error is on the continuation line, at the right column.
  auto r = compile(policy_with("groups:\n  - id: a\n    when: >-\n      age >= 3 and\n      zone == ) \n"));
  const auto* d = find_error(r);
  REQUIRE(d);
  CHECK(d->code == "syntax");
  CHECK(d->line == kFirstTailLine + 4);
  CHECK(d->column == 15);
  // A quoted scalar with an escape before the error.
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: \"name == \\\"x\\\" and and\"\n")) ==
        "25:30: syntax: expected a condition, found `and`");
}

TEST_CASE("duplicate ids, unknown certificates and unknown keys", "[compile][diagnostics]") {
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: true\n  - id: a\n    when: zone == city\n")) ==
        "26:9: duplicate-id: group `a` is declared twice");
  auto r = compile(policy_with("groups:\n  - id: a\n    when: true\n    requires: [register, dead]\n"));
  const auto* d = find_error(r);
  REQUIRE(d);
  CHECK(d->code == "unknown-certificate");
  CHECK(d->line == kFirstTailLine + 3);
  CHECK(d->column == 26);
  CHECK(d->help == "did you mean `deed`?");
  r = compile(policy_with("groups:\n  - id: a\n    whne: true\n"));
  bool saw_unknown_key = false, saw_missing = false;
  for (const auto& diag : r.diagnostics) {
    if (diag.code == "unknown-key") {
      saw_unknown_key = true;
      CHECK(diag.message == "unknown key `whne` in a group");
      CHECK(diag.help == "did you mean `when`?");
      CHECK(diag.line == kFirstTailLine + 2);
    }
    if (diag.code == "missing-key") saw_missing = diag.message == "missing `when:`";
  }
  CHECK(saw_unknown_key);
  CHECK(saw_missing);
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: true\n    when: false\n")) ==
        "26:5: duplicate-key: `when` appears twice in a group");
}

TEST_CASE("a requirement mapping without `certificate:` is an error, not an exception", "[compile][diagnostics]") {
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: true\n    requires:\n      - when: age > 3\n")) ==
        "27:9: missing-key: missing `certificate:`");
}

TEST_CASE("trivially shadowed groups are errors", "[compile][diagnostics]") {
  CHECK(first_error(policy_with("groups:\n  - id: all\n    when: true\n  - id: later\n    when: zone == city\n")) ==
        "26:9: unreachable-group: group `later` can never be reached: group `all` before it matches every applicant");
  CHECK(first_error(policy_with(
            "groups:\n  - id: a\n    when: zone == city\n  - id: b\n    when: zone   ==   city\n")) ==
        "27:11: unreachable-group: group `b` can never be reached: group `a` has the same condition");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: 1 > 2\n")) ==
        "25:11: unreachable-group: group `a` can never match: its condition is always false");
}

TEST_CASE("match must be exhaustive and quantifiers well-formed", "[compile][diagnostics]") {
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: true\npoints:\n  items:\n    - id: p\n      value: match zone { in_zone => 1, city => 2 }\n")) ==
        "29:14: not-exhaustive: `match` does not cover outside");
  CHECK(compile(policy_with("groups:\n  - id: a\n    when: true\npoints:\n  items:\n    - id: p\n      value: match zone { in_zone => 1, city | outside => 2.5 }\n")).ok());
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: max(p in properties, p.share) > 0.5\n")) ==
        "25:11: arity: `max` over a list needs a value for an empty list: `max(p in properties, value, default)`");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: any(p in properties, p.kind == title)\n")) ==
        "25:42: unknown-enum-value: `title` is not a value of `properties.kind` (values: deed, contract)");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: any(p in properties, p.shares > 1)\n")) ==
        "25:32: unknown-name: `properties` has no field `shares`");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: any(p in age, true)\n")) ==
        "25:20: type-mismatch: `any` iterates over a list fact, found int");
}

TEST_CASE("constant errors and bad literals are caught at compile time", "[compile][diagnostics]") {
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: age / 0 > 1\n")) ==
        "25:17: constant-error: division by zero");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: born > 2023-02-29\n")) ==
        "25:18: bad-literal: `2023-02-29` is not a real date");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: share > 0.1234567\n")) ==
        "25:19: bad-literal: decimal literal has more than 6 digits after the point or is too large");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: foo(age) > 1\n")) ==
        "25:11: unknown-function: unknown function `foo`");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: years_between(born) > 1\n")) ==
        "25:11: arity: `years_between` takes 2 arguments, found 1");
}

TEST_CASE("one mistake is reported once, not at every use", "[compile][diagnostics]") {
  auto r = compile(policy_with("groups:\n  - id: a\n    when: hukou.zon == here\n"));
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].message == "unknown name `hukou.zon`");
  auto bad_fact = std::string(kFacts);
  bad_fact.replace(bad_fact.find("age: {type: int}"), 16, "age: {type: int, default: 1.5}");
  r = compile(bad_fact + "groups:\n  - id: a\n    when: age > 1\n  - id: b\n    when: age > 2\n");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].message == "the default must be a whole number, found `1.5`");
  CHECK(first_error(std::string(kFacts).replace(std::string(kFacts).find("id: t"), 5, "id: Bad ID") + "groups: []\n") ==
        "3:7: bad-id: policy id `Bad ID` must use only lowercase letters, digits, `_` and `-`");
}

TEST_CASE("every problem in a file is reported in one run", "[compile][diagnostics]") {
  auto r = compile(policy_with(
      "groups:\n  - id: a\n    when: agee > 1\n  - id: b\n    when: zone == nowhere\n    requires: [passport]\n"));
  REQUIRE_FALSE(r.ok());
  std::vector<std::string> codes;
  for (const auto& d : r.diagnostics) codes.push_back(d.code);
  CHECK(codes == std::vector<std::string>{"unknown-name", "unknown-enum-value", "unknown-certificate"});
}

TEST_CASE("malformed YAML and schema errors", "[compile][diagnostics]") {
  auto r = compile("admit: 1\npolicy:\n  id: [unclosed\n");
  const auto* d = find_error(r);
  REQUIRE(d);
  CHECK(d->code == "yaml");
  CHECK(d->line >= 3);
  CHECK(d->message.rfind("malformed YAML: ", 0) == 0);

  CHECK(first_error("- just\n- a list\n") ==
        "1:1: schema: a policy file must be a YAML mapping with `admit:`, `policy:`, `facts:` ...");
  CHECK(first_error("policy: {id: x}\ngroups: []\n") ==
        "1:1: schema: missing `admit: 1` (the format version) at the top of the file");
  CHECK(first_error(policy_with("groups:\n  - id: a\n    when: true\npoints:\n  items:\n    - id: p\n      value: zone\n")) ==
        "29:14: type-mismatch: a points value must be a number, found enum `zone`");
  CHECK(first_error(std::string(kFacts).replace(std::string(kFacts).find("type: int"), 9, "type: integer") +
                    "groups: []\n") == "7:15: unknown-type: unknown type `integer`; use one of bool, int, decimal, date, string, enum, resident_id, list");
}

TEST_CASE("limits turn hostile rule files into diagnostics", "[compile][limits]") {
  std::string deep = "(";
  for (int i = 0; i < 500; ++i) deep += "(";
  auto r = compile(policy_with("groups:\n  - id: a\n    when: " + deep + "\n"));
  const auto* d = find_error(r);
  REQUIRE(d);
  CHECK(d->code == "limit");
  CHECK(d->message.find("nests deeper than 64 levels") != std::string::npos);

  std::string nested_yaml = "admit: 1\npolicy: ";
  for (int i = 0; i < 10000; ++i) nested_yaml += "[";
  r = compile(nested_yaml);
  d = find_error(r);
  REQUIRE(d);
  CHECK(d->code == "limit");

  admit::CompileOptions small;
  small.limits.max_file_bytes = 100;
  r = admit::compile_source(policy_with("groups: []\n"), "t.yaml", small);
  REQUIRE(find_error(r));
  CHECK(find_error(r)->code == "limit");

  // Aliases describing an exponentially large tree are refused, quickly.
  std::string bomb = "admit: 1\npolicy: {id: t}\nfacts:\n  l0: &l0 {}\n";
  for (int i = 1; i < 40; ++i)
    bomb += "  l" + std::to_string(i) + ": &l" + std::to_string(i) + " {a: *l" + std::to_string(i - 1) + ", b: *l" +
            std::to_string(i - 1) + "}\n";
  r = compile(bomb + "groups: []\n");
  REQUIRE(find_error(r));
  CHECK(find_error(r)->message.find("fact namespaces") != std::string::npos);
  std::string test_bomb = policy_with("groups: []\ntests:\n  - name: t\n    applicant:\n      x0: &x0 [1, 1]\n");
  for (int i = 1; i < 30; ++i)
    test_bomb += "      x" + std::to_string(i) + ": &x" + std::to_string(i) + " [*x" + std::to_string(i - 1) + ", *x" +
                 std::to_string(i - 1) + "]\n";
  r = compile(test_bomb + "    expect: {group: none}\n");
  REQUIRE(find_error(r));
  CHECK(find_error(r)->code == "limit");

  admit::CompileOptions few_rules;
  few_rules.limits.max_rules = 2;
  r = admit::compile_source(policy_with("let:\n  a1: 1\n  a2: 2\n  a3: 3\ngroups: []\n"), "t.yaml", few_rules);
  REQUIRE(find_error(r));
  CHECK(find_error(r)->message == "more than 2 rules (groups, checks, points items, lets)");

  r = compile(policy_with("groups:\n  - id: a\n    when: " + std::string(20000, 'a') + "\n"));
  REQUIRE(find_error(r));
  CHECK(find_error(r)->message.find("limit is 16384") != std::string::npos);
}

TEST_CASE("an unreadable file is a diagnostic, not an exception", "[compile]") {
  auto r = admit::compile_file("does/not/exist.yaml");
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].code == "io");
  CHECK(r.diagnostics[0].file == "does/not/exist.yaml");
}

TEST_CASE("test cases in the file are loaded and checked", "[compile][tests]") {
  auto r = compile(policy_with(R"(groups:
  - id: a
    when: zone == in_zone
tests:
  - name: first
    applicant: {age: 3, zone: in_zone, born: 2020-01-01, hukou: {zone: here}}
    expect: {group: a, missing: []}
  - name: bad
    applicant: {age: 3}
    expect: {group: nope}
)"));
  const auto* d = find_error(r);
  REQUIRE(d);
  CHECK(d->code == "unknown-group");
  CHECK(d->line == kFirstTailLine + 9);

  r = compile(policy_with(R"(groups:
  - id: a
    when: zone == in_zone
tests:
  - name: first
    applicant: {age: 3, zone: in_zone, born: 2020-01-01, hukou: {zone: here}, name: '007'}
    expect: {group: a, missing: []}
)"));
  REQUIRE(r.ok());
  REQUIRE(r.policy->tests().size() == 1);
  const auto& t = r.policy->tests()[0];
  CHECK(t.name == "first");
  CHECK(t.line == kFirstTailLine + 4);
  CHECK(t.applicant_json ==
        R"({"age":3,"zone":"in_zone","born":"2020-01-01","hukou":{"zone":"here"},"name":"007"})");
  CHECK(t.group == std::string("a"));
  REQUIRE(t.missing);
  CHECK(t.missing->empty());
}

TEST_CASE("enums with the same values are one type; others cannot be compared", "[compile]") {
  const std::string facts = R"(admit: 1
policy: {id: kin}
facts:
  head: {type: enum, values: [father, mother, other]}
  owner: {type: enum, values: [father, mother, other]}
  zone: {type: enum, values: [father, mother]}
groups:
)";
  auto same = admit::compile_source(facts + "  - {id: g, when: head == owner}\n", "kin.yaml");
  INFO(admit::render_text(same.diagnostics));
  CHECK(same.ok());
  auto different = admit::compile_source(facts + "  - {id: g, when: head == zone}\n", "kin.yaml");
  REQUIRE_FALSE(different.ok());
  CHECK(different.diagnostics[0].code == "type-mismatch");
}

TEST_CASE("lets are compiled in dependency order; a cycle is an error", "[compile]") {
  const std::string head = "admit: 1\npolicy: {id: lets}\nfacts: {x: {type: int}}\n";
  auto ordered = admit::compile_source(head + R"(let:
  total: base + extra       # reads lets written below it
  base: x * 2
  extra: "if big then 10 else 0"
  big: x > 5
groups: []
points: {items: [{id: t, value: total}]}
)", "lets.yaml");
  INFO(admit::render_text(ordered.diagnostics));
  REQUIRE(ordered.ok());
  auto cycle = admit::compile_source(head + "let:\n  a: b + 1\n  b: a * 2\n  c: x\ngroups: []\n", "lets.yaml");
  REQUIRE_FALSE(cycle.ok());
  REQUIRE(cycle.diagnostics.size() == 1);
  CHECK(cycle.diagnostics[0].code == "let-cycle");
  CHECK(cycle.diagnostics[0].line == 5);
  CHECK(cycle.diagnostics[0].message == "these lets read each other in a cycle: `a`, `b`");
  auto self = admit::compile_source(head + "let:\n  a: a + 1\ngroups: []\n", "lets.yaml");
  REQUIRE_FALSE(self.ok());
  CHECK(self.diagnostics[0].code == "unknown-name");
}
