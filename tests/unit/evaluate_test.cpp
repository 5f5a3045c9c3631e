// Evaluation: each part of a decision, exact arithmetic, dates, lists, certificates, traces and
// run-time errors, and binding applicant records (good and bad).

#include <catch2/catch.hpp>

#include <string>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"

namespace {

const char* kPolicy = R"(admit: 1
policy: {id: eval-test, year: 2026, grade: 1, age_cutoff: 2026-08-31}
facts:
  id: {type: resident_id, default: ""}
  birth_date: {type: date}
  zone: {type: enum, values: {in_zone: 本片区, city: 市区, outside: 外地}}
  months: {type: int, default: 0}
  rate: {type: decimal, default: 0.1}
  divisor: {type: int, default: 1}
  school: {type: string, default: ""}
  hukou:
    moved_in: {type: date, default: 2000-01-01}
  properties:
    type: list
    max_items: 3
    fields:
      owner: {type: enum, values: [father, mother, grandparent]}
      kind: {type: enum, values: [deed, contract, small_title]}
      share: {type: decimal}
      residential: {type: bool, default: true}
      address: {type: string, default: ""}
let:
  parents_share: sum(p in properties where p.owner != grandparent and p.residential, p.share)
  owns: parents_share > 0.5
  age: age_on(birth_date, policy.age_cutoff)
certificates:
  register: {label: 户口簿, verified_by: 公安户籍}
  deed:
    label: 不动产权证书
    verified_by: 自然资源不动产
    substitutes:
      - id: filed_contract
        label: 网签备案合同 + 契税完税证明
        all_of: [contract, tax_receipt]
        when: any(p in properties, p.kind == contract)
  contract: {label: 网签备案购房合同}
  tax_receipt: {label: 契税完税证明}
eligibility:
  - id: too_young
    label: 未满六周岁
    require: age >= 6
    reason: 须年满六周岁
groups:
  - id: owner
    label: 有房有户
    when: zone == in_zone and owns
    requires:
      - register
      - certificate: deed
        when: parents_share > 0.5
  - id: local
    label: 有户无房
    when: zone == in_zone
    requires: [register]
  - id: anyone
    label: 其他
    when: zone != in_zone and school != "closed"
points:
  cap: 100
  items:
    - id: tenths
      label: 精确小数
      value: rate + 0.2
    - id: months
      value: min(months, 60) * 0.35
      cap: 12.5
    - id: ratio
      value: 10 / divisor
    - id: oldest
      value: max(p in properties, years_between(2000-01-01, 2000-01-01) + p.share, 0)
    - id: zone_points
      value: match zone { in_zone => 30, city => 20, _ => 0 }
      when: hukou.moved_in <= 2025-12-31
    - id: rounding
      value: round(months / 7, 1)
)";

std::shared_ptr<const admit::Policy> policy() {
  static auto compiled = admit::compile_source(kPolicy, "eval.yaml");
  INFO(admit::render_text(compiled.diagnostics));
  REQUIRE(compiled.ok());
  return compiled.policy;
}

struct Evaluated {
  admit::Decision decision;
  std::string bind_error;
};

Evaluated evaluate(const std::string& json, bool trace = false) {
  auto p = policy();
  admit::Applicant applicant(*p);
  admit::BindError error;
  Evaluated out;
  if (!applicant.bind_json(json, &error)) {
    out.bind_error = (error.field.empty() ? "" : error.field + ": ") + error.message;
    return out;
  }
  if (trace)
    p->evaluate_with_trace(applicant, out.decision);
  else
    p->evaluate(applicant, out.decision);
  return out;
}

std::string item(const admit::Decision& d, std::string_view id) {
  for (const auto& line : d.breakdown())
    if (d.policy()->points_items()[line.item].id == id) return line.value.to_string();
  return "absent";
}

const std::string kChild = R"("id":"110101202003010011","birth_date":"2020-03-01")";

}  // namespace

TEST_CASE("eligibility: age on the cutoff date, the cutoff day counting", "[evaluate]") {
  auto on_cutoff = evaluate(R"({"birth_date":"2020-08-31","zone":"outside"})");
  REQUIRE(on_cutoff.bind_error.empty());
  CHECK(on_cutoff.decision.eligible());
  CHECK(on_cutoff.decision.group_id() == "anyone");

  auto day_after = evaluate(R"({"birth_date":"2020-09-01","zone":"in_zone"})");
  CHECK_FALSE(day_after.decision.eligible());
  CHECK(day_after.decision.group_id() == "too_young");
  CHECK(day_after.decision.group_label() == "未满六周岁");
  CHECK(day_after.decision.rank() == 0);
  CHECK(day_after.decision.points() == admit::Decimal());
  CHECK(day_after.decision.breakdown().empty());
  CHECK(day_after.decision.certificates().empty());
}

TEST_CASE("groups: first match wins, lists and let values decide", "[evaluate]") {
  auto owner = evaluate("{" + kChild + R"(,"zone":"in_zone","properties":[
      {"owner":"father","kind":"deed","share":0.3},
      {"owner":"mother","kind":"deed","share":0.25},
      {"owner":"grandparent","kind":"deed","share":0.45}]})");
  REQUIRE(owner.bind_error.empty());
  CHECK(owner.decision.group_id() == "owner");
  CHECK(owner.decision.rank() == 1);

  // Exactly half is not more than half.
  auto half = evaluate("{" + kChild + R"(,"zone":"in_zone","properties":[{"owner":"father","kind":"deed","share":0.5}]})");
  CHECK(half.decision.group_id() == "local");
  CHECK(half.decision.rank() == 2);

  // A non-residential flat does not count.
  auto office = evaluate("{" + kChild +
                         R"(,"zone":"in_zone","properties":[{"owner":"father","kind":"deed","share":1,"residential":false}]})");
  CHECK(office.decision.group_id() == "local");

  // No group matches: an empty group, not the nearest one.
  auto none = evaluate("{" + kChild + R"(,"zone":"city","school":"closed"})");
  CHECK(none.decision.eligible());
  CHECK(none.decision.group_id().empty());
  CHECK(none.decision.group() == UINT32_MAX);
  CHECK(none.decision.rank() == 0);
}

TEST_CASE("points are exact decimals with caps", "[evaluate][decimal]") {
  auto d = evaluate("{" + kChild + R"(,"zone":"in_zone","months":30,"divisor":3})").decision;
  REQUIRE(d.ok());
  CHECK(item(d, "tenths") == "0.3");          // 0.1 + 0.2, exactly
  CHECK(item(d, "months") == "10.5");         // 30 * 0.35
  CHECK(item(d, "ratio") == "3.333333");      // 10 / 3 to six places
  CHECK(item(d, "oldest") == "0");            // empty list: the default
  CHECK(item(d, "zone_points") == "30");
  CHECK(item(d, "rounding") == "4.3");        // 30 / 7 = 4.285714 -> 4.3 (half up)
  CHECK(d.points().to_string() == "48.433333");

  auto capped = evaluate("{" + kChild + R"(,"zone":"city","months":70,"rate":0.05})").decision;
  const auto& months = capped.breakdown()[1];
  CHECK(months.raw.to_string() == "21");      // min(70, 60) * 0.35
  CHECK(months.value.to_string() == "12.5");  // item cap
  CHECK(item(capped, "tenths") == "0.25");
  CHECK(item(capped, "rounding") == "10");    // 70 / 7

  auto total_cap = evaluate("{" + kChild + R"(,"zone":"in_zone","divisor":1,"rate":80})").decision;
  CHECK(total_cap.points_uncapped().to_string() == "120.2");
  CHECK(total_cap.points().to_string() == "100");

  auto with_list = evaluate("{" + kChild +
                            R"(,"zone":"outside","properties":[{"owner":"mother","kind":"contract","share":0.75},
                               {"owner":"father","kind":"deed","share":0.125}]})")
                       .decision;
  CHECK(item(with_list, "oldest") == "0.75");
}

TEST_CASE("points conditions: an item that does not apply is zero", "[evaluate]") {
  auto d = evaluate("{" + kChild + R"(,"zone":"in_zone","hukou":{"moved_in":"2026-01-01"}})").decision;
  CHECK(item(d, "zone_points") == "0");
  REQUIRE(d.breakdown().size() == 6);
  CHECK_FALSE(d.breakdown()[4].applied);
  // Dotted keys reach nested facts too.
  auto dotted = evaluate("{" + kChild + R"(,"zone":"in_zone","hukou.moved_in":"2025-12-31"})").decision;
  CHECK(item(dotted, "zone_points") == "30");
}

TEST_CASE("certificates: verified, submitted, substituted and missing", "[evaluate][certificates]") {
  const std::string owner = "{" + kChild + R"(,"zone":"in_zone","properties":[{"owner":"father","kind":"contract","share":1}])";
  auto missing = evaluate(owner + "}").decision;
  REQUIRE(missing.certificates().size() == 2);
  CHECK(missing.missing_ids() == std::vector<std::string>{"register", "deed"});

  auto verified = evaluate(owner + R"(,"verified":["register"],"submitted":["deed"]})").decision;
  CHECK(verified.certificates()[0].status == admit::CertificateStatus::verified);
  CHECK(verified.certificates()[1].status == admit::CertificateStatus::submitted);
  CHECK(verified.missing_count() == 0);

  auto substituted = evaluate(owner + R"(,"verified":["register","contract"],"submitted":["tax_receipt"]})").decision;
  CHECK(substituted.certificates()[1].status == admit::CertificateStatus::substituted);
  CHECK(substituted.certificates()[1].substitute == 0);
  CHECK(substituted.missing_ids().empty());

  // The trace shows the conditional requirement and the substitute that was tried.
  auto traced = evaluate(owner + R"(,"verified":["register","contract"],"submitted":["tax_receipt"]})", true).decision;
  bool saw_requirement = false, saw_substitute = false;
  for (const auto& e : traced.trace()) {
    if (e.kind == admit::TraceKind::requirement) {
      saw_requirement = true;
      CHECK(e.subject == "requirement deed (不动产权证书)");
      CHECK(e.result);
    }
    if (e.kind == admit::TraceKind::substitute) {
      saw_substitute = true;
      CHECK(e.subject == "substitute filed_contract for deed");
      CHECK(e.values_seen.empty());  // it reads the list, not scalar facts
    }
  }
  CHECK(saw_requirement);
  CHECK(saw_substitute);

  // Half a substitute bundle is not a substitute.
  auto partial = evaluate(owner + R"(,"verified":["register","contract"]})").decision;
  CHECK(partial.missing_ids() == std::vector<std::string>{"deed"});

  // The substitute's own condition: only for contract purchases.
  auto deed_holder = evaluate("{" + kChild +
                              R"(,"zone":"in_zone","properties":[{"owner":"father","kind":"deed","share":1}],
                                 "verified":["register","contract","tax_receipt"]})")
                         .decision;
  CHECK(deed_holder.missing_ids() == std::vector<std::string>{"deed"});
}

TEST_CASE("the trace explains the decision and masks ID numbers", "[evaluate][trace]") {
  auto d = evaluate("{" + kChild + R"(,"zone":"city"})", true).decision;
  REQUIRE(d.trace().size() >= 4);
  const auto& check = d.trace()[0];
  CHECK(check.kind == admit::TraceKind::eligibility);
  CHECK(check.result);
  CHECK(check.values_seen == "birth_date = 2020-03-01");
  CHECK(check.location == "eval.yaml:41:14");
  const auto& first_group = d.trace()[1];
  CHECK(first_group.subject == "group owner (有房有户)");
  CHECK_FALSE(first_group.result);
  CHECK(first_group.values_seen == "zone = city");
  CHECK(first_group.expression == "zone == in_zone and owns");
  for (const auto& entry : d.trace()) CHECK(entry.values_seen.find("110101202003010011") == std::string::npos);

  const char* id_policy = R"(admit: 1
policy: {id: ids, year: 2026, grade: 1}
facts:
  id: {type: resident_id}
groups:
  - id: female
    when: id_valid(id) and id_gender(id) == female
  - id: born_2017
    when: id_valid(id) and year(id_birth_date(id)) == 2017
)";
  auto compiled = admit::compile_source(id_policy, "ids.yaml");
  INFO(admit::render_text(compiled.diagnostics));
  REQUIRE(compiled.ok());
  admit::Applicant a(*compiled.policy);
  admit::Decision out;
  REQUIRE(a.bind_json(R"({"id":"11010120170901002X"})"));
  compiled.policy->evaluate_with_trace(a, out);
  CHECK(out.group_id().empty());  // wrong check character: not valid
  CHECK(out.trace()[0].values_seen == "id = 1101**********002X");
  REQUIRE(a.bind_json(R"({"id":"110101201709010029"})"));
  compiled.policy->evaluate(a, out);
  CHECK(out.group_id() == "female");
  REQUIRE(a.bind_json(R"({"id":"110101201708310011"})"));
  compiled.policy->evaluate(a, out);
  CHECK(out.group_id() == "born_2017");
}

TEST_CASE("run-time errors are reported with the rule's location", "[evaluate][errors]") {
  auto d = evaluate("{" + kChild + R"(,"zone":"city","divisor":0})").decision;
  CHECK_FALSE(d.ok());
  CHECK(d.error() == "division by zero in points item (eval.yaml:68:14)");
  // The same Decision is reusable afterwards.
  auto p = policy();
  admit::Applicant a(*p);
  REQUIRE(a.bind_json("{" + kChild + R"(,"zone":"city","divisor":2})"));
  p->evaluate(a, d);
  CHECK(d.ok());
  CHECK(item(d, "ratio") == "5");
}

TEST_CASE("bad applicant records are rejected with the field and the reason", "[evaluate][binding]") {
  CHECK(evaluate(R"({"birth_date":"2020-03-01","zone":"nowhere"})").bind_error ==
        "zone: `zone` has unknown value \"nowhere\" (expected one of: in_zone, city, outside)");
  CHECK(evaluate(R"({"birth_date":"2020-02-30","zone":"city"})").bind_error ==
        "birth_date: `birth_date` is not a real date (YYYY-MM-DD): \"2020-02-30\"");
  CHECK(evaluate(R"({"zone":"city"})").bind_error == "birth_date: missing `birth_date` (the policy gives it no default)");
  CHECK(evaluate(R"({"birth_date":"2020-03-01","zone":"city","months":"12"})").bind_error ==
        "months: `months` must be a whole number");
  CHECK(evaluate(R"({"birth_date":"2020-03-01","zone":"city","months":12.5})").bind_error ==
        "months: `months` must be a whole number, found 12.5");
  CHECK(evaluate(R"({"birth_date":"2020-03-01","zone":"city","rate":1e3})").bind_error ==
        "rate: `rate` must be a number with at most 6 decimals and no exponent, found 1e3");
  CHECK(evaluate(R"({"birth_date":"2020-03-01","zone":"city",)").bind_error.rfind("invalid JSON: ", 0) == 0);
  CHECK(evaluate(R"([1,2])").bind_error == "an applicant record must be a JSON object");
  CHECK(evaluate(R"({"birth_date":"2020-03-01","zone":"city","zone":"city"})").bind_error ==
        "zone: `zone` is given twice");
  CHECK(evaluate(R"({"birth_date":"2020-03-01","zone":"city","verified":["passport"]})").bind_error ==
        "verified: unknown certificate `passport` in `verified`");
  CHECK(evaluate(R"({"birth_date":"2020-03-01","zone":"city","properties":[{"owner":"father","kind":"deed"}]})").bind_error ==
        "properties[0].share: missing `share` in record 0 of `properties` (no default)");
  CHECK(evaluate(R"({"birth_date":"2020-03-01","zone":"city","properties":[
        {"owner":"father","kind":"deed","share":1},{"owner":"father","kind":"deed","share":1},
        {"owner":"father","kind":"deed","share":1},{"owner":"father","kind":"deed","share":1}]})")
            .bind_error == "properties: `properties` has more than 3 records (max_items)");
  // ID numbers in a message are masked.
  std::string masked = evaluate(R"({"birth_date":"2020-03-01","zone":"370702201703150012"})").bind_error;
  CHECK(masked.find("370702201703150012") == std::string::npos);
  CHECK(masked.find("3707**********0012") != std::string::npos);
  // Unknown fields are ignored by default (one record format serves every county) ...
  CHECK(evaluate(R"({"birth_date":"2020-03-01","zone":"city","tax":{"paid":true},"extra":[1]})").bind_error.empty());
  // ... and rejected on request.
  auto p = policy();
  admit::Applicant a(*p);
  admit::BindError e;
  admit::BindOptions strict;
  strict.reject_unknown_fields = true;
  CHECK_FALSE(a.bind_json(R"({"birth_date":"2020-03-01","zone":"city","extra":1})", &e, strict));
  CHECK(e.message == "`extra` is not a fact of this policy");
}

TEST_CASE("the typed builder binds without JSON", "[evaluate][builder]") {
  auto p = policy();
  admit::Applicant a(*p);
  auto birth = a.find_fact("birth_date");
  auto zone = a.find_fact("zone");
  auto months = a.find_fact("months");
  auto properties = a.find_fact("properties");
  auto owner = a.find_field(properties, "owner");
  auto kind = a.find_field(properties, "kind");
  auto share = a.find_field(properties, "share");
  REQUIRE(birth);
  REQUIRE(properties);
  CHECK_FALSE(a.find_fact("nope"));
  CHECK(a.set_date(birth, *admit::Date::parse("2019-12-01")));
  CHECK(a.set_string(zone, "in_zone"));
  CHECK_FALSE(a.set_string(zone, "mars"));
  CHECK_FALSE(a.set_bool(zone, true));
  CHECK(a.set_int(months, 24));
  int r = a.add_record(properties);
  REQUIRE(r == 0);
  CHECK(a.set_field_string(properties, r, owner, "mother"));
  CHECK(a.set_field_string(properties, r, kind, "deed"));
  CHECK(a.set_field_decimal(properties, r, share, *admit::Decimal::parse("0.6")));
  CHECK(a.set_verified("register"));
  CHECK_FALSE(a.set_verified("passport"));
  REQUIRE(a.finish());
  admit::Decision d;
  p->evaluate(a, d);
  CHECK(d.group_id() == "owner");
  CHECK(item(d, "months") == "8.4");
  CHECK(d.missing_ids() == std::vector<std::string>{"deed"});
}
