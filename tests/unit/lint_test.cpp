// Jurisdiction lints (`lint: [shandong]`): provincial rules reported as warnings.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "admit/policy.hpp"

namespace {

std::vector<admit::Diagnostic> lint(const std::string& body) {
  auto r = admit::compile_source("admit: 1\npolicy: {id: sd}\nlint: [shandong]\n" + body, "sd.yaml");
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());  // lint findings are warnings: the policy still compiles
  return r.diagnostics;
}

}  // namespace

TEST_CASE("lint shandong: points items score only hukou type, residence, employment, property type", "[lint]") {
  auto found = lint(R"(groups: []
points:
  items:
    - {id: hukou, value: 10, kind: hukou_type}
    - {id: years, value: 5, kind: residence}
    - {id: award, value: 3, kind: bonus}
    - {id: plain, value: 1}
)");
  REQUIRE(found.size() == 2);
  CHECK(found[0].code == "lint-shandong-points");
  CHECK(found[0].severity == admit::Severity::warning);
  CHECK(found[0].message == "points item `award` scores `bonus`");
  CHECK(found[0].line == 9);
  CHECK(found[1].message == "points item `plain` does not say what it scores (`kind:`)");
}

TEST_CASE("lint shandong: at most five certificate categories per group", "[lint]") {
  const std::string certificates = R"(certificates:
  a: {category: identity}
  b: {category: hukou}
  c: {category: property}
  c2: {category: property}
  d: {category: residence}
  e: {category: employment}
  f: {}
)";
  auto five = lint(certificates + "groups:\n  - {id: g, when: true, requires: [a, b, c, c2, d, e]}\n");
  CHECK(five.empty());  // c and c2 are one category
  auto six = lint(certificates + "groups:\n  - {id: g, when: true, requires: [a, b, c, d, e, {certificate: f, when: false}]}\n");
  bool reported = false;
  for (const auto& d : six) {
    if (d.code != "lint-shandong-certificates") continue;
    reported = true;
    CHECK(d.message ==
          "group `g` asks for 6 categories of certificates (identity, hukou, property, residence, employment, "
          "certificate f); Shandong allows at most 5");
  }
  CHECK(reported);
}

TEST_CASE("lint: unknown lints, kinds and categories are errors with a suggestion", "[lint]") {
  auto r = admit::compile_source(R"(admit: 1
policy: {id: x}
lint: [shandon]
certificates: {a: {category: propety}}
groups: []
points: {items: [{id: i, value: 1, kind: residense}]}
)", "x.yaml");
  REQUIRE_FALSE(r.ok());
  std::vector<std::string> help;
  for (const auto& d : r.diagnostics) help.push_back(d.help);
  CHECK(std::count(help.begin(), help.end(), "did you mean `shandong`?") == 1);
  CHECK(std::count(help.begin(), help.end(), "did you mean `property`?") == 1);
  CHECK(std::count(help.begin(), help.end(), "did you mean `residence`?") == 1);
}
