// Within-group tie-breaks: the decision's sort key orders the applicants of one school.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"

namespace {

const char* kPolicy = R"(admit: 1
policy: {id: tie-break-test}
facts:
  local: {type: bool}
  moved_in: {type: date}
  level: {type: enum, values: [low, mid, high]}
  score: {type: decimal, default: 0}
tie_break:
  - {id: moved, label: 户籍迁入时间, key: moved_in}
  - {id: pts, key: points, order: descending}
eligibility:
  - {id: no_date, require: "moved_in > 2000-01-01"}
groups:
  - id: locals
    when: local
    tie_break: [{id: level, key: level, order: descending}]
  - id: others
    when: true
points:
  items:
    - {id: score, value: score}
)";

std::shared_ptr<const admit::Policy> compile() {
  auto r = admit::compile_source(kPolicy, "tie.yaml");
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  return r.policy;
}

struct Ranked {
  std::string name;
  std::vector<std::int64_t> key;
  std::vector<std::string> text;
};

Ranked rank(const admit::Policy& p, const std::string& name, const std::string& json) {
  admit::Applicant a(p);
  REQUIRE(a.bind_json(json));
  admit::Decision d;
  p.evaluate(a, d);
  REQUIRE(d.ok());
  Ranked r{name, {d.sort_key().begin(), d.sort_key().end()}, {}};
  for (std::size_t i = 0; i < d.sort_key().size(); ++i) r.text.push_back(d.sort_key_text(i));
  return r;
}

}  // namespace

TEST_CASE("tie-break: sorting by the sort key gives the admission order", "[tie_break]") {
  auto p = compile();
  std::vector<Ranked> all = {
      rank(*p, "other, late, many points", R"({"local":false,"moved_in":"2020-05-01","level":"low","score":9.5})"),
      rank(*p, "other, early", R"({"local":false,"moved_in":"2019-01-01","level":"high","score":1})"),
      rank(*p, "other, late, few points", R"({"local":false,"moved_in":"2020-05-01","level":"high","score":2.25})"),
      rank(*p, "local, low", R"({"local":true,"moved_in":"2001-01-01","level":"low"})"),
      rank(*p, "ineligible", R"({"local":true,"moved_in":"1999-01-01","level":"high"})"),
      rank(*p, "local, high", R"({"local":true,"moved_in":"2021-01-01","level":"high"})"),
  };
  std::stable_sort(all.begin(), all.end(), [](const Ranked& a, const Ranked& b) { return a.key < b.key; });
  std::vector<std::string> order;
  for (const auto& r : all) order.push_back(r.name);
  CHECK(order == std::vector<std::string>{"local, high", "local, low", "other, early", "other, late, many points",
                                          "other, late, few points", "ineligible"});
  // Every key has the policy's length (the longest list + the rank), padded with zeros.
  for (const auto& r : all) CHECK(r.key.size() == 3);
  const Ranked& high = all[0];
  CHECK(high.text[0] == "1");
  CHECK(high.text[1] == "high");
  CHECK(high.key[1] == -2);  // descending: the enum index negated
  CHECK(high.key[2] == 0);   // padding
  const Ranked& many = all[3];
  CHECK(many.text == std::vector<std::string>{"2", "2020-05-01", "9.5"});
  CHECK(many.key[2] == -9500000);
  CHECK(all[5].key == std::vector<std::int64_t>{4, 0, 0});  // not eligible: groups + 2
}

TEST_CASE("tie-break: declarations", "[tie_break]") {
  auto p = compile();
  REQUIRE(p->tie_break(0).size() == 1);
  CHECK(p->tie_break(0)[0].id == "level");
  CHECK(p->tie_break(0)[0].values == std::vector<std::string>{"low", "mid", "high"});
  REQUIRE(p->tie_break(1).size() == 2);
  CHECK(p->tie_break(1)[0].label == "户籍迁入时间");
  CHECK(p->tie_break(1)[1].points);
  CHECK(p->tie_break(UINT32_MAX).size() == 2);  // no group: the policy's keys

  auto bad = admit::compile_source(R"(admit: 1
policy: {id: t}
facts: {name: {type: string}}
tie_break: [{id: n, key: name}, {id: o, key: name, order: upward}]
groups: [{id: g, when: true}]
)", "t.yaml");
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.diagnostics.size() >= 2);
  CHECK(bad.diagnostics[0].message == "a tie-break key must be an int, decimal, date, bool or enum expression");
  CHECK(bad.diagnostics[1].message == "unknown order `upward` (expected one of: ascending, descending)");

  auto none = admit::compile_source("admit: 1\npolicy: {id: t}\ngroups: [{id: g, when: true}]\n", "t.yaml");
  REQUIRE(none.ok());
  admit::Applicant a(*none.policy);
  REQUIRE(a.bind_json("{}"));
  admit::Decision d;
  none.policy->evaluate(a, d);
  CHECK(d.sort_key().empty());
}

TEST_CASE("tie-break: computed keys read constants and temporaries", "[tie_break]") {
  // Constants and temporaries live in relocated registers (unlike a plain fact's slot).
  auto r = admit::compile_source(R"(admit: 1
policy: {id: computed}
facts:
  permit: {type: date, default: 2999-12-31}
  lease: {type: date, default: 2999-12-31}
tie_break:
  - {id: earliest, key: "if permit < lease then permit else lease"}
  - {id: capped, key: "min(years_between(permit, 2023-08-31), 5) * 2"}
groups: [{id: g, when: true}]
)", "computed.yaml");
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  const Ranked a = rank(*r.policy, "a", R"({"permit":"2021-06-01","lease":"2019-01-01"})");
  CHECK(a.text == std::vector<std::string>{"1", "2019-01-01", "4"});
  const Ranked b = rank(*r.policy, "b", R"({"permit":"2010-06-01"})");
  CHECK(b.text == std::vector<std::string>{"1", "2010-06-01", "10"});
}

TEST_CASE("tie-break: a points item's capped value as a key", "[tie_break]") {
  auto r = admit::compile_source(R"(admit: 1
policy: {id: items}
facts:
  months: {type: int}
  days: {type: int}
tie_break:
  - {id: total, key: points, order: descending}
  - {id: permit, key: points.residence, order: descending}
groups: [{id: g, when: true}]
points:
  items:
    - {id: residence, value: days / 30, cap: 10}
    - {id: insurance, value: months * 0.2}
)", "items.yaml");
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  CHECK(r.policy->tie_break(0)[1].item == "residence");
  // Equal totals: the one with more residence points (capped at 10) ranks first.
  const Ranked a = rank(*r.policy, "a", R"({"months":50,"days":600})");   // 10 (capped from 20) + 10
  const Ranked b = rank(*r.policy, "b", R"({"months":60,"days":240})");   // 8 + 12
  CHECK(a.text == std::vector<std::string>{"1", "20", "10"});
  CHECK(b.text == std::vector<std::string>{"1", "20", "8"});
  CHECK(a.key < b.key);

  auto bad = admit::compile_source(R"(admit: 1
policy: {id: items}
tie_break: [{id: t, key: points.residense}]
groups: [{id: g, when: true}]
points: {items: [{id: residence, value: 1}]}
)", "items.yaml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.diagnostics[0].message == "no points item `residense`");
  CHECK(bad.diagnostics[0].help == "did you mean `points.residence`?");
}
