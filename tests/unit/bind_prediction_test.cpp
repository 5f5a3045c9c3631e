// Binding with key-order prediction (src/policy/applicant.cpp): a warm Applicant guesses that key i
// of a record is key i of the previous one and checks the guess by text. Whatever the order of the
// keys, the record binds exactly as it does into a fresh Applicant: the same facts, the same errors
// (field, message, offset), the same decision. Also: list records and small tables searched
// without hashing, paths in messages built only on error.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/context.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "support/random.hpp"

namespace {

const char* kPolicy = R"yaml(admit: 1
policy: {id: bind-test, year: 2026, grade: 1}
facts:
  id: {type: resident_id, default: ""}
  birth_date: {type: date}
  zone: {type: enum, values: [in_zone, city, outside]}
  many: {type: enum, values: [v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, v18]}
  months: {type: int, default: 0}
  rate: {type: decimal, default: 0.5}
  flag: {type: bool, default: false}
  school: {type: string, default: ""}
  hukou:
    moved_in: {type: date, default: 2000-01-01}
  properties:
    type: list
    max_items: 3
    fields:
      owner: {type: enum, values: [father, mother]}
      share: {type: decimal}
      address: {type: string, default: ""}
context:
  cutoff: {type: date, default: 2026-08-31}
certificates:
  register: {}
  deed: {}
groups:
  - id: local
    when: zone == in_zone and birth_date < cutoff
    requires: [register, deed]
  - id: other
    when: true
points:
  items:
    - id: m
      value: min(months, 24) * rate
    - id: p
      value: sum(p in properties where p.owner == father, p.share)
    - id: f
      value: if flag then 1 else 0
    - id: s
      value: if school == "x" then 2 else 0
    - id: h
      value: if hukou.moved_in < 2010-01-01 then 3 else 0
)yaml";

const admit::Policy& policy() {
  static auto compiled = admit::compile_source(kPolicy, "bind.yaml");
  INFO(admit::render_text(compiled.diagnostics));
  REQUIRE(compiled.ok());
  return *compiled.policy;
}

using admit_test::Random;

// Bind result and decision as text: what must not depend on the Applicant's history.
std::string bind_record(admit::Applicant& a, const std::string& json, bool reject = false) {
  admit::BindError error;
  admit::BindOptions options;
  options.reject_unknown_fields = reject;
  if (!a.bind_json(json, &error, options))
    return "error " + error.field + ": " + error.message + " @" + std::to_string(error.offset);
  admit::Decision d;
  a.policy().evaluate(a, d);
  std::string s = "id=" + a.id() + " " + std::string(d.group_id()) + " " + d.points().to_string() + " [";
  for (const auto& line : d.breakdown()) s += line.value.to_string() + " ";
  s += "] missing " + std::to_string(d.missing_count());
  for (const auto& c : d.certificates()) s += " " + std::string(admit::to_string(c.status));
  return s;
}

// Members of a record; some of them are mistakes (the random test mixes them in).
std::vector<std::string> members(Random& r) {
  std::vector<std::string> m = {
      R"("id":"110101202003010011")",
      R"("birth_date":"2020-0)" + std::to_string(1 + r.below(9)) + R"(-01")",
      std::string(R"("zone":")") + (r.below(2) ? "in_zone" : "city") + "\"",
      R"("many":"v)" + std::to_string(r.below(19)) + "\"",
      R"("months":)" + std::to_string(r.below(40)),
      R"("verified":["register"])",
      R"("submitted":["deed"])",
  };
  if (r.below(2)) m.push_back(R"("rate":1.25)");
  if (r.below(2)) m.push_back(R"("flag":true)");
  if (r.below(2)) m.push_back(R"("school":"x")");
  if (r.below(2)) m.push_back(R"("hukou":{"moved_in":"2005-05-05"})");
  if (r.below(2)) m.push_back(R"("hukou.moved_in":"2011-01-01")");  // with the nested form: given twice
  if (r.below(2)) m.push_back(R"("properties":[{"share":0.5,"owner":"father"},{"owner":"mother","share":0.25,"address":"a"}])");
  if (r.below(3) == 0) m.push_back(R"("unknown_key":{"x":[1,2]})");
  if (r.below(3) == 0) m.push_back(R"("zon\u0065":"outside")");  // an escaped key: the same key `zone`
  if (r.below(5) == 0) m.push_back(R"("cutoff":"2020-01-01")");  // a context value: not the record's
  if (r.below(8) == 0) m.push_back(R"("months":3)");               // given twice
  if (r.below(8) == 0) m.push_back(R"("zone":"nowhere")");         // unknown value
  if (r.below(8) == 0) m.push_back(R"("many":"v99")");             // unknown value, large enum
  if (r.below(8) == 0) m.push_back(R"("verified":["nothing"])");   // unknown certificate
  if (r.below(8) == 0) m.push_back(R"("properties":[{"share":1,"share":2}])");
  if (r.below(8) == 0) m.push_back(R"("properties":[{"owner":"father","share":1,"colour":"red"}])");
  if (r.below(8) == 0) m.push_back(R"("properties":[{"owner":"father"}])");  // share missing
  if (r.below(8) == 0) m.push_back(R"("properties":[1])");
  return m;
}

std::string record(Random& r, std::vector<std::string> m) {
  for (std::size_t i = m.size(); i > 1; --i) std::swap(m[i - 1], m[static_cast<std::size_t>(r.below(static_cast<int>(i)))]);
  std::string s = "{";
  for (std::size_t i = 0; i < m.size(); ++i) s += (i ? "," : "") + m[i];
  return s + "}";
}

}  // namespace

TEST_CASE("binding: any key order, duplicates, unknown and escaped keys bind as into a fresh applicant", "[binding][predict]") {
  const admit::Policy& p = policy();
  admit::Applicant warm(p), warm_strict(p);
  Random r(77);
  int errors = 0, bound = 0;
  for (int k = 0; k < 3000; ++k) {
    // Mostly one key order (what prediction is for), often another one.
    static Random order(1);
    const std::string json = record(k % 3 == 0 ? r : order, members(r));
    INFO(json);
    admit::Applicant fresh(p), fresh_strict(p);
    const std::string expected = bind_record(fresh, json);
    CHECK(bind_record(warm, json) == expected);
    CHECK(bind_record(warm_strict, json, true) == bind_record(fresh_strict, json, true));
    (expected.starts_with("error") ? errors : bound)++;
  }
  CHECK(errors > 300);
  CHECK(bound > 300);
}

TEST_CASE("binding: messages name the exact field, list records included", "[binding][predict]") {
  const admit::Policy& p = policy();
  admit::Applicant a(p);
  const std::string base = R"("birth_date":"2020-01-01","zone":"city","many":"v1")";
  // Warm up with the keys in one order, then break the pattern.
  REQUIRE(a.bind_json("{" + base + R"(,"months":2})"));
  admit::BindError e;
  CHECK_FALSE(a.bind_json("{" + base + R"(,"months":2,"months":3})", &e));
  CHECK(e.field == "months");
  CHECK(e.message == "`months` is given twice");
  CHECK_FALSE(a.bind_json(R"({"months":2,)" + base + R"(,"properties":[{"owner":"father","share":1},{"owner":"x","share":1}]})", &e));
  CHECK(e.field == "properties[1].owner");
  CHECK(e.message == "`properties[1].owner` has unknown value \"x\" (expected one of: father, mother)");
  CHECK_FALSE(a.bind_json("{" + base + R"(,"properties":[{"owner":"father","share":1,"share":1}]})", &e));
  CHECK(e.field == "properties[0].share");
  CHECK(e.message == "`properties[0].share` is given twice");
  CHECK_FALSE(a.bind_json("{" + base + R"(,"properties":[{"owner":"father","share":"1"}]})", &e));
  CHECK(e.field == "properties[0].share");
  CHECK(e.message == "`properties[0].share` must be a number");
  CHECK_FALSE(a.bind_json("{" + base + R"(,"properties":[{"owner":"father"}]})", &e));
  CHECK(e.field == "properties[0].share");
  admit::BindOptions strict;
  strict.reject_unknown_fields = true;
  CHECK_FALSE(a.bind_json("{" + base + R"(,"properties":[{"owner":"father","share":1,"colour":"red"}]})", &e, strict));
  CHECK(e.field == "properties[0].colour");
  CHECK(e.message == "`colour` is not a field of `properties`");
  CHECK_FALSE(a.bind_json("{" + base + R"(,"colour":"red"})", &e, strict));
  CHECK(e.field == "colour");
  CHECK_FALSE(a.bind_json("{" + base + R"(,"cutoff":"2020-01-01"})", &e, strict));
  CHECK(e.field == "cutoff");
  CHECK(e.message == "`cutoff` is an evaluation context value, not part of the applicant record");
  // Not strict: the record's cutoff is ignored (the context's default applies) and binding succeeds.
  REQUIRE(a.bind_json("{" + base + R"(,"cutoff":"2020-01-01","verified":["register","deed"]})", &e));
  CHECK_FALSE(a.bind_json("{" + base + R"(,"verified":["register","nothing"]})", &e));
  CHECK(e.field == "verified");
  CHECK(e.message == "unknown certificate `nothing` in `verified`");
  CHECK_FALSE(a.bind_json(R"({"birth_date":"2020-01-01","zone":"city","many":"v19"})", &e));
  CHECK(e.field == "many");
  CHECK_FALSE(a.bind_json(R"({"id":5,)" + base + "}", &e));
  CHECK(e.field == "id");
  CHECK(e.message == "`id` must be a string");
  // The same record as the warm-up binds again after all those errors.
  REQUIRE(a.bind_json("{" + base + R"(,"months":2})", &e));
}

TEST_CASE("binding: prediction survives records with more keys than it remembers", "[binding][predict]") {
  const admit::Policy& p = policy();
  admit::Applicant a(p), fresh(p);
  std::string json = R"({"birth_date":"2020-01-01","zone":"city","many":"v3")";
  for (int i = 0; i < 100; ++i) json += ",\"extra" + std::to_string(i) + "\":" + std::to_string(i);
  json += R"(,"months":7})";
  for (int round = 0; round < 3; ++round) CHECK(bind_record(a, json) == bind_record(fresh, json));
}
