// The analysis on small crafted policies (tests/analysis/data/): each finding kind, with every
// counterexample replayed here once more with the real binder and evaluator.
#include <catch2/catch.hpp>

#include <string>

#include "admit/analysis.hpp"
#include "admit/applicant.hpp"
#include "admit/context.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"

namespace {

std::shared_ptr<const admit::Policy> load(const std::string& name) {
  admit::CompileResult r = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + "/tests/analysis/data/" + name);
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  return r.policy;
}

std::shared_ptr<const admit::Policy> compile(const std::string& yaml) {
  admit::CompileResult r = admit::compile_source(yaml, "inline.yaml");
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  return r.policy;
}

std::vector<const admit::AnalysisFinding*> findings(const admit::AnalysisReport& report, const std::string& code) {
  std::vector<const admit::AnalysisFinding*> out;
  for (const auto& f : report.findings)
    if (f.code == code) out.push_back(&f);
  return out;
}

admit::Decision replay(const admit::Policy& policy, const std::string& json) {
  admit::Applicant applicant(policy);
  admit::BindError error;
  INFO(json);
  REQUIRE(applicant.bind_json(json, &error));
  admit::Decision d;
  policy.evaluate(applicant, d);
  REQUIRE(d.ok());
  return d;
}

}  // namespace

TEST_CASE("a gap between two thresholds is found, with an applicant who falls through", "[analysis]") {
  auto policy = load("gap.yaml");
  auto report = admit::analyze(*policy);
  auto gaps = findings(report, "analysis-gap");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0]->severity == admit::Severity::warning);
  CHECK(gaps[0]->diagnostic.line == 7);  // the `groups:` key
  admit::Decision d = replay(*policy, gaps[0]->example_json);
  CHECK(d.eligible());
  CHECK(d.group_id().empty());
  CHECK(findings(report, "analysis-dead-group").empty());
}

TEST_CASE("a group shadowed by earlier groups is an error naming them", "[analysis]") {
  auto policy = load("dead.yaml");
  auto report = admit::analyze(*policy);
  auto dead = findings(report, "analysis-dead-group");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0]->subject == "local_renter");
  CHECK(dead[0]->severity == admit::Severity::error);
  CHECK(dead[0]->related == std::vector<std::string>{"renter"});
  CHECK(dead[0]->diagnostic.line == 14);
  CHECK(findings(report, "analysis-gap").empty());  // `other` catches everyone
}

TEST_CASE("overlapping groups are listed on request, with an applicant matching both", "[analysis]") {
  auto policy = load("dead.yaml");
  admit::AnalysisOptions options;
  options.overlaps = true;
  auto report = admit::analyze(*policy, options);
  auto overlaps = findings(report, "analysis-overlap");
  REQUIRE(!overlaps.empty());
  bool local_renter = false;
  for (const auto* f : overlaps) {
    admit::Decision d = replay(*policy, f->example_json);
    CHECK(d.group_id() == f->related.at(0));  // the earlier group wins
    local_renter |= f->subject == "renter" && f->related[0] == "local";
  }
  CHECK(local_renter);
}

TEST_CASE("points ranges, a dead cap and an always-zero item", "[analysis]") {
  auto policy = load("points.yaml");
  auto report = admit::analyze(*policy);
  REQUIRE(report.points.size() == 4);
  CHECK(report.points[0].item == "housing");
  CHECK(report.points[0].known);
  CHECK(report.points[0].min.to_string() == "10");
  CHECK(report.points[0].max.to_string() == "30");
  CHECK(report.points[1].min.to_string() == "0");
  CHECK(report.points[1].max.to_string() == "30");
  CHECK(report.points[3].item.empty());  // the total
  CHECK(report.points[3].max.to_string() == "60");
  auto caps = findings(report, "analysis-dead-cap");
  REQUIRE(caps.size() == 2);
  CHECK(caps[0]->subject == "housing");
  CHECK(caps[1]->subject.empty());  // points.cap 100 > 60
  auto zero = findings(report, "analysis-zero-item");
  REQUIRE(zero.size() == 1);
  CHECK(zero[0]->subject == "bonus");
}

TEST_CASE("a cap that binds is not reported", "[analysis]") {
  auto policy = compile(R"(admit: 1
policy: {id: binds}
facts:
  months: {type: int}
groups: [{id: all, when: true}]
points:
  items:
    - id: service
      value: months
      cap: 10
)");
  auto report = admit::analyze(*policy);
  CHECK(findings(report, "analysis-dead-cap").empty());
  CHECK(report.points[0].max.to_string() == "10");
}

TEST_CASE("certificates: upload-only, never required, a substitute that never applies", "[analysis]") {
  auto policy = load("certs.yaml");
  auto report = admit::analyze(*policy);
  auto upload = findings(report, "analysis-upload-only");
  REQUIRE(upload.size() == 1);
  CHECK(upload[0]->subject == "household_register");
  auto unused = findings(report, "analysis-unused-certificate");
  REQUIRE(unused.size() == 1);
  CHECK(unused[0]->subject == "lease");  // purchase_contract, deed_tax_receipt are used by substitutes
  auto dead = findings(report, "analysis-dead-substitute");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0]->subject == "property_certificate/contract_and_receipt");
}

TEST_CASE("a sound policy has no warnings or errors", "[analysis]") {
  auto policy = load("sound.yaml");
  auto report = admit::analyze(*policy);
  for (const auto& f : report.findings) {
    INFO(f.code << ": " << f.diagnostic.message);
    CHECK(f.severity == admit::Severity::note);
  }
}

TEST_CASE("lists, quantifiers and calendar functions are analysed exactly", "[analysis]") {
  auto policy = compile(R"(admit: 1
policy: {id: lists, age_cutoff: 2024-08-31}
facts:
  birth: {type: date}
  leases:
    type: list
    max_items: 3
    fields:
      start: {type: date}
      in_zone: {type: bool}
eligibility:
  - id: age
    require: age_on(birth, policy.age_cutoff) >= 6
groups:
  - id: renter
    when: any(l in leases, l.in_zone and months_between(l.start, policy.age_cutoff) >= 12)
  - id: two_leases
    when: count(l in leases where l.in_zone, true) >= 2
)");
  auto report = admit::analyze(*policy);
  for (const auto& f : report.findings) INFO(f.code << ": " << f.diagnostic.message);
  CHECK(findings(report, "analysis-unknown").empty());
  auto gaps = findings(report, "analysis-gap");
  REQUIRE(gaps.size() == 1);
  admit::Decision d = replay(*policy, gaps[0]->example_json);
  CHECK(d.eligible());
  CHECK(d.group_id().empty());
  CHECK(findings(report, "analysis-dead-group").empty());
}

TEST_CASE("outside the fragment the analysis says unknown, with the reason", "[analysis]") {
  // A division by a fact is outside the fragment: the rule is left unconstrained, the solver's
  // candidate gap does not replay, so the analysis says unknown instead of guessing.
  auto policy = compile(R"(admit: 1
policy: {id: ratio}
facts:
  a: {type: int}
  b: {type: int}
eligibility:
  - id: positive
    require: b >= 1 and b <= 10 and a >= 0 and a <= 10
groups:
  - id: local
    when: a / b <= 10
)");
  auto report = admit::analyze(*policy);
  auto unknown = findings(report, "analysis-unknown");
  REQUIRE(unknown.size() == 2);
  CHECK(unknown[0]->diagnostic.message.find("divides by a value that is not a constant") != std::string::npos);
  CHECK(unknown[1]->diagnostic.message.find("whether every eligible applicant matches a group") != std::string::npos);
  CHECK(findings(report, "analysis-gap").empty());
}

TEST_CASE("outside the fragment, a found example that replays is still reported", "[analysis]") {
  // starts_with with a prefix that is not a constant is outside the fragment.
  auto policy = compile(R"(admit: 1
policy: {id: text}
facts:
  code: {type: string}
  prefix: {type: string}
groups:
  - id: local
    when: starts_with(code, prefix)
)");
  auto report = admit::analyze(*policy);
  CHECK(findings(report, "analysis-unknown").size() >= 1);
  auto gaps = findings(report, "analysis-gap");
  REQUIRE(gaps.size() == 1);
  admit::Decision d = replay(*policy, gaps[0]->example_json);
  CHECK(d.group_id().empty());
}

// --- texts, the evaluation context and calendar fields (docs/analysis.md) ---

namespace {
admit::Decision replay_in_context(const admit::Policy& policy, const admit::AnalysisFinding& f) {
  admit::Context context(policy);
  admit::BindError error;
  INFO(f.example_json << " in " << f.example_context_json);
  if (!f.example_context_json.empty()) REQUIRE(context.bind_json(f.example_context_json, &error));
  admit::Applicant applicant(policy);
  applicant.use_context(&context);
  REQUIRE(applicant.bind_json(f.example_json, &error));
  admit::Decision d;
  policy.evaluate(applicant, d);
  REQUIRE(d.ok());
  return d;
}
}  // namespace

TEST_CASE("texts: two facts, a fact and a context value, starts_with and in are exact", "[analysis]") {
  auto policy = load("texts.yaml");
  auto report = admit::analyze(*policy);
  for (const auto& f : report.findings) INFO(f.code << ": " << f.diagnostic.message);
  CHECK(findings(report, "analysis-unknown").empty());
  // `same_place` is dead: a text that starts with "3707" and is not in the list nor equal to the
  // school's code is taken by `city`; `never` needs a text equal to two different constants.
  auto dead = findings(report, "analysis-dead-group");
  REQUIRE(dead.size() == 2);
  CHECK(dead[0]->subject == "shadowed");
  CHECK(dead[0]->related == std::vector<std::string>{"city"});
  CHECK(dead[1]->subject == "never");
  // The gap: a text outside the city, with its own context; replayed with admit::Context.
  auto gaps = findings(report, "analysis-gap");
  REQUIRE(gaps.size() == 1);
  CHECK(!gaps[0]->example_context_json.empty());
  admit::Decision d = replay_in_context(*policy, *gaps[0]);
  CHECK(d.eligible());
  CHECK(d.group_id().empty());
  std::string notes;
  for (const auto& n : gaps[0]->diagnostic.notes) notes += n + "\n";
  CHECK(notes.find("in the evaluation context: {") != std::string::npos);
}

TEST_CASE("texts: an overlap needs two equal texts, and the example shows them equal", "[analysis]") {
  auto policy = load("texts.yaml");
  admit::AnalysisOptions options;
  options.overlaps = true;
  auto report = admit::analyze(*policy, options);
  auto overlaps = findings(report, "analysis-overlap");
  REQUIRE(!overlaps.empty());
  for (const auto* f : overlaps) {
    admit::Decision d = replay_in_context(*policy, *f);
    CHECK(!d.group_id().empty());
  }
}

TEST_CASE("age_on and months_between against a context date, month() and day(), exactly", "[analysis]") {
  auto policy = load("context-dates.yaml");
  auto report = admit::analyze(*policy);
  for (const auto& f : report.findings) INFO(f.code << ": " << f.diagnostic.message);
  CHECK(findings(report, "analysis-unknown").empty());
  // Six full years on the cut-off and born after it cannot both hold.
  auto dead = findings(report, "analysis-dead-group");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0]->subject == "born_after_cutoff");
  auto gaps = findings(report, "analysis-gap");
  REQUIRE(gaps.size() == 1);
  admit::Decision d = replay_in_context(*policy, *gaps[0]);
  CHECK(d.eligible());
  CHECK(d.group_id().empty());
  // The points item counts paid months through month() and year(): its range is exact.
  REQUIRE(report.points.size() == 2);
  CHECK(report.points[0].known);
  CHECK(report.points[0].min.to_string() == "0");
  CHECK(report.points[0].max.to_string() == "24");
}

TEST_CASE("diff: a text compared with the school's text, matched by name in both years", "[analysis]") {
  auto old_policy = compile(R"(admit: 1
policy: {id: t}
context:
  school:
    district: {type: string, default: "370705"}
facts:
  district: {type: string}
groups:
  - id: local
    when: district == school.district
  - id: other
    when: true
)");
  auto new_policy = compile(R"(admit: 1
policy: {id: t}
context:
  school:
    district: {type: string, default: "370705"}
facts:
  district: {type: string}
groups:
  - id: local
    when: district == school.district or starts_with(district, "3707")
  - id: other
    when: true
)");
  auto report = admit::diff(*old_policy, *new_policy);
  auto moves = findings(report, "diff-group");
  REQUIRE(moves.size() == 1);
  CHECK(moves[0]->subject == "group:local");
  CHECK(moves[0]->related == std::vector<std::string>{"group:other"});
  CHECK(findings(report, "diff-unknown").empty());
  CHECK(replay_in_context(*new_policy, *moves[0]).group_id() == "local");
  CHECK(replay_in_context(*old_policy, *moves[0]).group_id() == "other");
}

TEST_CASE("resident IDs: the example holds a valid number, masked in the message", "[analysis]") {
  auto policy = compile(R"(admit: 1
policy: {id: ids, age_cutoff: 2024-08-31}
facts:
  id: {type: resident_id}
eligibility:
  - id: invalid_id
    require: id_valid(id)
groups:
  - id: old_enough
    when: age_on(id_birth_date(id), policy.age_cutoff) >= 6
)");
  auto report = admit::analyze(*policy);
  auto gaps = findings(report, "analysis-gap");
  REQUIRE(gaps.size() == 1);
  admit::Decision d = replay(*policy, gaps[0]->example_json);
  CHECK(d.eligible());
  CHECK(d.group_id().empty());
  std::string shown;
  for (const auto& n : gaps[0]->diagnostic.notes) shown += n;
  CHECK(shown.find("**********") != std::string::npos);
  CHECK(shown.find(gaps[0]->example_json.substr(7, 18)) == std::string::npos);
}

TEST_CASE("diff: movers between groups and a changed points item, each shown by an applicant", "[analysis]") {
  auto old_policy = load("year-2023.yaml");
  auto new_policy = load("year-2024.yaml");
  auto report = admit::diff(*old_policy, *new_policy);
  auto moves = findings(report, "diff-group");
  REQUIRE(moves.size() == 3);
  for (const auto* f : moves) {
    admit::Decision before = replay(*old_policy, f->example_json);
    admit::Decision after = replay(*new_policy, f->example_json);
    CHECK("group:" + std::string(before.group_id()) == f->related.at(0));
    CHECK("group:" + std::string(after.group_id()) == f->subject);
  }
  auto points = findings(report, "diff-points");
  REQUIRE(points.size() == 1);
  CHECK(points[0]->subject == "service");
  admit::Decision before = replay(*old_policy, points[0]->example_json);
  admit::Decision after = replay(*new_policy, points[0]->example_json);
  CHECK(before.breakdown()[0].value != after.breakdown()[0].value);
}

TEST_CASE("diff of a policy with itself finds nothing", "[analysis]") {
  auto policy = load("year-2023.yaml");
  auto report = admit::diff(*policy, *policy);
  CHECK(findings(report, "diff-group").empty());
  CHECK(findings(report, "diff-points").empty());
}
