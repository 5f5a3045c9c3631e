// Policy layers: `extends:`, fragments and the merge rules (docs/policy-layers.md), with bases given
// in memory through CompileOptions::files, and diagnostics that name the file a node came from.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"

namespace {

const char* kSchema = R"(admit: 1
schema: {id: mini, version: 1, title: 测试数据模型}
facts:
  hukou:
    zone: {type: enum, values: [in_zone, city, outside]}
  owns: {type: bool, default: false}
  renting: {type: bool, default: false}
certificates:
  household_register: {label: 户口簿, verified_by: 公安户籍, category: hukou}
  deed: {label: 不动产权证书, category: property}
  old_deed: {label: 房产证, category: property}
  contract: {label: 购房合同, category: property}
  lease: {label: 租赁合同, category: residence}
)";

const char* kCity = R"(admit: 1
extends: ../schema/mini.yaml
policy: {id: city-base, title: 示范市, year: 2023, grade: 1}
params: {rate: 2, bonus: 1}
let:
  local: hukou.zone == in_zone
certificates:
  deed:
    substitutes:
      - {id: old, all_of: [old_deed]}
      - {id: signed, all_of: [contract]}
groups:
  - id: both
    when: local and owns
    requires: [household_register, deed]
  - id: hukou_only
    when: local
    requires: [household_register, {certificate: lease, when: renting}]
  - id: other
    when: true
points:
  items:
    - {id: base, value: rate * 2, cap: 3}
    - {id: extra, value: bonus}
)";

admit::CompileOptions with_files(std::vector<std::pair<std::string, std::string>> files) {
  admit::CompileOptions options;
  options.files = std::move(files);
  return options;
}

admit::CompileResult compile_county(const std::string& county) {
  return admit::compile_source(county, "rules/city/county.yaml",
                               with_files({{"rules/schema/mini.yaml", kSchema}, {"rules/city/base.yaml", kCity}}));
}

std::vector<std::string> group_ids(const admit::Policy& p) {
  std::vector<std::string> ids;
  for (const auto& g : p.groups()) ids.push_back(g.id);
  return ids;
}

std::string render(const admit::CompileResult& r) { return admit::render_text(r.diagnostics); }

const admit::Diagnostic* find_code(const admit::CompileResult& r, const std::string& code) {
  auto it = std::find_if(r.diagnostics.begin(), r.diagnostics.end(), [&](const auto& d) { return d.code == code; });
  return it == r.diagnostics.end() ? nullptr : &*it;
}

admit::Decision decide(const admit::Policy& p, const char* json) {
  admit::Applicant a(p);
  admit::BindError error;
  INFO(error.message);
  REQUIRE(a.bind_json(json, &error));
  admit::Decision d;
  p.evaluate(a, d);
  REQUIRE(d.ok());
  return d;
}

}  // namespace

TEST_CASE("layers: a county extends a city baseline that extends a fragment", "[layers]") {
  auto r = compile_county(R"(admit: 1
extends: base.yaml
policy: {id: county-2023}
)");
  INFO(render(r));
  REQUIRE(r.ok());
  const admit::Policy& p = *r.policy;
  CHECK(p.metadata().id == "county-2023");
  CHECK(p.metadata().title == "示范市");  // policy: merged key by key
  CHECK(p.metadata().year == 2023);
  CHECK(group_ids(p) == std::vector<std::string>{"both", "hukou_only", "other"});
  REQUIRE(p.sources().size() == 3);
  CHECK(p.sources()[0].first == "rules/city/county.yaml");
  CHECK(p.sources()[1].first == "rules/city/base.yaml");
  CHECK(p.sources()[2].first == "rules/schema/mini.yaml");
  CHECK(p.sources()[2].second == kSchema);
  const auto d = decide(p, R"({"hukou":{"zone":"in_zone"},"owns":true,"verified":["household_register","old_deed"]})");
  CHECK(d.group_id() == "both");
  CHECK(d.missing_count() == 0);  // the baseline's substitute applies
  CHECK(d.points().to_string() == "4");  // min(2 * 2, 3) + 1
}

TEST_CASE("layers: merge rules for params, lets, groups, requirements, items and substitutes", "[layers]") {
  auto r = compile_county(R"(admit: 1
extends: base.yaml
policy: {id: county-2023}
params: {rate: 1.25}                      # replaced
let:
  local: hukou.zone in [in_zone, city]    # replaced in place: groups below still see it
certificates:
  deed:
    substitutes:
      - {id: signed, remove: true}
      - {id: signed_and_lease, all_of: [contract, lease]}
groups:
  - id: both
    requires:
      - {certificate: deed, remove: true}
      - contract
  - id: property_only
    before: other
    when: owns
    requires: [deed]
  - id: hukou_only
    after: property_only
  - {id: other, label: 统筹}
points:
  items:
    - {id: base, cap: null}
    - {id: extra, remove: true}
    - {id: kids, value: 7, before: base}
)");
  INFO(render(r));
  REQUIRE(r.ok());
  const admit::Policy& p = *r.policy;
  CHECK(group_ids(p) == std::vector<std::string>{"both", "property_only", "hukou_only", "other"});
  CHECK(p.groups()[3].label == "统筹");
  REQUIRE(p.points_items().size() == 2);
  CHECK(p.points_items()[0].id == "kids");
  CHECK(p.points_items()[1].id == "base");
  CHECK_FALSE(p.points_items()[1].cap.has_value());

  // `local` now includes the city: a city family that owns lands in `both`; the county's
  // requirements replace the deed with the contract.
  auto d = decide(p, R"({"hukou":{"zone":"city"},"owns":true,"verified":["household_register"]})");
  CHECK(d.group_id() == "both");
  CHECK(d.missing_ids() == std::vector<std::string>{"contract"});
  CHECK(d.points().to_string() == "9.5");  // 7 + 1.25 * 2, no cap any more

  // The `signed` substitute is gone; the new bundle replaces the deed.
  d = decide(p, R"({"hukou":{"zone":"outside"},"owns":true,"submitted":["contract"]})");
  CHECK(d.group_id() == "property_only");
  CHECK(d.missing_ids() == std::vector<std::string>{"deed"});
  d = decide(p, R"({"hukou":{"zone":"outside"},"owns":true,"submitted":["contract","lease"]})");
  CHECK(d.missing_count() == 0);
}

TEST_CASE("layers: diagnostics name the file and line each node came from", "[layers]") {
  SECTION("an error in the baseline, found while checking the county") {
    std::string city = kCity;
    city.replace(city.find("value: bonus"), 12, "value: bonus + nope");
    auto r = admit::compile_source("admit: 1\nextends: base.yaml\npolicy: {id: c}\n", "rules/city/county.yaml",
                                   with_files({{"rules/schema/mini.yaml", kSchema}, {"rules/city/base.yaml", city}}));
    const auto* d = find_code(r, "unknown-name");
    REQUIRE(d);
    CHECK(d->file == "rules/city/base.yaml");
    CHECK(d->line == 24);
    CHECK(d->column == 1 + std::string("    - {id: extra, value: bonus + ").size());
    CHECK(d->source_line == "    - {id: extra, value: bonus + nope}");
  }
  SECTION("an error in the county's edit of a baseline group") {
    auto r = compile_county("admit: 1\nextends: base.yaml\npolicy: {id: c}\ngroups:\n  - {id: both, when: owns and nothing}\n");
    const auto* d = find_code(r, "unknown-name");
    REQUIRE(d);
    CHECK(d->file == "rules/city/county.yaml");
    CHECK(d->line == 5);
    CHECK(d->column == 31);
  }
  SECTION("an unknown base item, with a suggestion") {
    auto r = compile_county("admit: 1\nextends: base.yaml\npolicy: {id: c}\ngroups:\n  - {id: hukou_onyl, remove: true}\n");
    const auto* d = find_code(r, "unknown-base-item");
    REQUIRE(d);
    CHECK(d->file == "rules/city/county.yaml");
    CHECK(d->line == 5);
    CHECK(d->message == "no group `hukou_onyl` in the base to remove");
    CHECK(d->help == "did you mean `hukou_only`?");
  }
  SECTION("a fact declared again") {
    auto r = compile_county("admit: 1\nextends: base.yaml\npolicy: {id: c}\nfacts:\n  owns: {type: int}\n");
    const auto* d = find_code(r, "redeclared-fact");
    REQUIRE(d);
    CHECK(d->line == 5);
    CHECK(d->message == "`owns` is already declared by a base file (rules/schema/mini.yaml)");
  }
  SECTION("a base that cannot be read") {
    auto r = admit::compile_source("admit: 1\nextends: nowhere/base.yaml\npolicy: {id: c}\ngroups: []\n",
                                   "nonexistent-dir/county.yaml", {});
    const auto* d = find_code(r, "io");
    REQUIRE(d);
    CHECK(d->file == "nonexistent-dir/county.yaml");
    CHECK(d->line == 2);
    CHECK(d->message == "cannot read the base file `nonexistent-dir/nowhere/base.yaml`: cannot open it");
  }
  SECTION("reading from the disk switched off") {
    admit::CompileOptions options;
    options.read_bases_from_disk = false;
    auto r = admit::compile_source("admit: 1\nextends: rules/schema/applicant-v1.yaml\npolicy: {id: c}\ngroups: []\n",
                                   "c.yaml", options);
    const auto* d = find_code(r, "io");
    REQUIRE(d);
    CHECK(d->message ==
          "cannot read the base file `rules/schema/applicant-v1.yaml`: it is not among the files given to the "
          "compiler (reading bases from the disk is off)");
  }
  SECTION("a cycle") {
    auto r = admit::compile_source("admit: 1\nextends: b.yaml\npolicy: {id: a}\ngroups: []\n", "x/a.yaml",
                                   with_files({{"x/b.yaml", "admit: 1\nextends: a.yaml\n"}}));
    const auto* d = find_code(r, "extends-cycle");
    REQUIRE(d);
    CHECK(d->file == "x/b.yaml");
    CHECK(d->message == "`extends` makes a cycle: x/a.yaml -> x/b.yaml -> x/a.yaml");
  }
  SECTION("malformed YAML in a base") {
    auto r = compile_county("admit: 1\nextends: [base.yaml, broken.yaml]\npolicy: {id: c}\n");
    CHECK(find_code(r, "io"));
    auto r2 = admit::compile_source("admit: 1\nextends: bad.yaml\npolicy: {id: c}\ngroups: []\n", "x/c.yaml",
                                    with_files({{"x/bad.yaml", "admit: 1\nfacts: {a: [\n"}}));
    const auto* d = find_code(r2, "yaml");
    REQUIRE(d);
    CHECK(d->file == "x/bad.yaml");
    CHECK(d->line >= 2);
  }
}

TEST_CASE("layers: a fragment is checked on its own; tests are not inherited", "[layers]") {
  auto fragment = admit::compile_source(kSchema, "rules/schema/mini.yaml", {});
  INFO(render(fragment));
  REQUIRE(fragment.ok());
  CHECK(fragment.policy->groups().empty());
  CHECK(fragment.policy->certificates().size() == 5);
  CHECK(fragment.policy->certificates()[1].category == "property");

  auto bad = admit::compile_source("admit: 1\nschema: {id: x, version: 1}\ngroups: []\n", "f.yaml", {});
  REQUIRE(find_code(bad, "unknown-key"));

  std::string city_with_test = std::string(kCity) +
                               "tests:\n  - name: t\n    applicant: {hukou: {zone: in_zone}}\n    expect: {group: hukou_only}\n";
  auto r = admit::compile_source("admit: 1\nextends: base.yaml\npolicy: {id: c}\n", "rules/city/county.yaml",
                                 with_files({{"rules/schema/mini.yaml", kSchema}, {"rules/city/base.yaml", city_with_test}}));
  REQUIRE(r.ok());
  CHECK(r.policy->tests().empty());
}

TEST_CASE("layers: the resolved policy is one YAML document that compiles to the same policy", "[layers]") {
  std::string resolved;
  admit::CompileOptions options = with_files({{"rules/schema/mini.yaml", kSchema}, {"rules/city/base.yaml", kCity}});
  options.resolved_out = &resolved;
  auto r = admit::compile_source("admit: 1\nextends: base.yaml\npolicy: {id: c}\ngroups:\n  - {id: other, remove: true}\n",
                                 "rules/city/county.yaml", options);
  REQUIRE(r.ok());
  CHECK(resolved.find("extends") == std::string::npos);
  CHECK(resolved.find("id: other") == std::string::npos);
  auto again = admit::compile_source(resolved, "resolved.yaml", {});
  INFO(resolved);
  REQUIRE(again.ok());
  CHECK(group_ids(*again.policy) == group_ids(*r.policy));
  const char* record = R"({"hukou":{"zone":"in_zone"},"owns":true,"verified":["household_register","contract"]})";
  CHECK(decide(*again.policy, record).missing_ids() == decide(*r.policy, record).missing_ids());
}

TEST_CASE("layers: a new id one typo from a base id is a warning naming the id meant", "[layers]") {
  auto r = compile_county("admit: 1\nextends: base.yaml\npolicy: {id: c}\ngroups:\n  - {id: hukou_onyl, when: owns, before: other}\n"
                          "  - {id: hukou_only_renting, when: renting, before: other}\n");
  INFO(render(r));
  REQUIRE(r.ok());  // both are new groups: only the near miss is reported
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].code == "similar-base-item");
  CHECK(r.diagnostics[0].severity == admit::Severity::warning);
  CHECK(r.diagnostics[0].line == 5);
  CHECK(r.diagnostics[0].help == "to edit the base's group, write its id: `hukou_only`");
}

TEST_CASE("layers: a plain requirement moved with before:", "[layers]") {
  auto r = compile_county(R"(admit: 1
extends: base.yaml
policy: {id: c}
groups:
  - id: both
    requires: [contract, {certificate: deed, before: household_register}]
)");
  INFO(render(r));
  REQUIRE(r.ok());
  const auto d = decide(*r.policy, R"({"hukou":{"zone":"in_zone"},"owns":true})");
  CHECK(d.missing_ids() == std::vector<std::string>{"deed", "household_register", "contract"});
}
