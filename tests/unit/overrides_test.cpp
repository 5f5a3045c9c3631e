// Named parameters and what-if overrides: the policy recompiled with one number changed.

#include <catch2/catch.hpp>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"

namespace {

const char* kPolicy = R"(admit: 1
policy: {id: what-if, year: 2026, grade: 1}
facts:
  rental_years: {type: int}
  zone: {type: enum, values: [in_zone, outside]}
params:
  rental_rate: {value: 2, label: 每年租赁分值}
  base: 10.5
  opens: 2026-07-01
  office: "教育局"
groups:
  - id: local
    label: 本地
    when: zone == in_zone
  - id: other
    when: true
points:
  items:
    - id: housing
      value: base + rental_rate * min(rental_years, 5)
      cap: 30
)";

std::string points_of(const admit::Policy& p, const char* json) {
  admit::Applicant a(p);
  REQUIRE(a.bind_json(json));
  admit::Decision d;
  p.evaluate(a, d);
  REQUIRE(d.ok());
  return d.points().to_string();
}

}  // namespace

TEST_CASE("params are typed constants listed by the policy", "[params]") {
  auto r = admit::compile_source(kPolicy, "w.yaml");
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  const auto& params = r.policy->params();
  REQUIRE(params.size() == 4);
  CHECK(params[0].name == "rental_rate");
  CHECK(params[0].type == admit::FactType::integer);
  CHECK(params[0].label == "每年租赁分值");
  CHECK(params[1].type == admit::FactType::decimal);
  CHECK(params[1].value == "10.5");
  CHECK(params[2].type == admit::FactType::date);
  CHECK(params[3].type == admit::FactType::string);
  CHECK(points_of(*r.policy, R"({"rental_years":3,"zone":"in_zone"})") == "16.5");
}

TEST_CASE("overrides recompile a modified copy", "[params][overrides]") {
  admit::CompileOptions options;
  options.overrides = {{"params.rental_rate", "2.5"}, {"points.items.housing.cap", "20"},
                       {"groups.local.when", "zone == outside"}};
  auto r = admit::compile_source(kPolicy, "w.yaml", options);
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  CHECK(r.policy->overrides().size() == 3);
  CHECK(r.policy->params()[0].value == "2.5");
  CHECK(r.policy->params()[0].type == admit::FactType::decimal);
  CHECK(points_of(*r.policy, R"({"rental_years":3,"zone":"in_zone"})") == "18");  // 10.5 + 7.5
  CHECK(points_of(*r.policy, R"({"rental_years":9,"zone":"in_zone"})") == "20");  // capped at 20

  admit::Applicant a(*r.policy);
  REQUIRE(a.bind_json(R"({"rental_years":1,"zone":"outside"})"));
  admit::Decision d;
  r.policy->evaluate(a, d);
  CHECK(d.group_id() == "local");
}

TEST_CASE("an override may add the last key, e.g. a cap", "[params][overrides]") {
  admit::CompileOptions options;
  options.overrides = {{"points.items.housing.when", "zone == in_zone"}};
  auto r = admit::compile_source(kPolicy, "w.yaml", options);
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  CHECK(points_of(*r.policy, R"({"rental_years":3,"zone":"outside"})") == "0");
  CHECK(points_of(*r.policy, R"({"rental_years":3,"zone":"in_zone"})") == "16.5");
}

TEST_CASE("bad overrides are diagnostics", "[params][overrides]") {
  admit::CompileOptions options;
  options.overrides = {{"params.rental_rat", "3"}};
  auto r = admit::compile_source(kPolicy, "w.yaml", options);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].code == "bad-override");
  CHECK(r.diagnostics[0].message == "override `params.rental_rat`: `params.rental_rat` names nothing in the rule file");

  options.overrides = {{"params.rental_rate", "many"}};
  r = admit::compile_source(kPolicy, "w.yaml", options);
  REQUIRE_FALSE(r.ok());  // a string times a number is a type error
  CHECK(r.diagnostics[0].code == "type-mismatch");

  options.overrides = {{"groups", "x"}};
  r = admit::compile_source(kPolicy, "w.yaml", options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.diagnostics[0].message == "override `groups` must name a value, not a list");
}
