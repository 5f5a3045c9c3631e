// The evaluation context: values about the evaluation (the school, the cut-off day) supplied with
// admit::Context, never taken from the applicant's record.

#include <catch2/catch.hpp>

#include <string>

#include "admit/applicant.hpp"
#include "admit/context.hpp"
#include "admit/testing.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"

namespace {

const char* kPolicy = R"(admit: 1
policy: {id: context-test}
facts:
  hukou_zone: {type: string}
  birth_date: {type: date}
context:
  school:
    zone: {type: string, label: 学校片区}
    public: {type: bool, default: true}
    district_code: {type: string}          # no default, but nothing reads it
  admission:
    age_cutoff: {type: date, default: 2023-08-31}
eligibility:
  - {id: too_young, require: "age_on(birth_date, admission.age_cutoff) >= 6"}
groups:
  - {id: local, when: hukou_zone == school.zone and school.public}
  - {id: other, when: true}
)";

std::shared_ptr<const admit::Policy> compile() {
  auto r = admit::compile_source(kPolicy, "context.yaml");
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  return r.policy;
}

std::string group(const admit::Policy& p, admit::Applicant& a) {
  admit::Decision d;
  p.evaluate(a, d);
  REQUIRE(d.ok());
  return std::string(d.group_id());
}

}  // namespace

TEST_CASE("context: one bound applicant evaluated against two schools", "[context]") {
  auto policy = compile();
  admit::Context school_a(*policy), school_b(*policy);
  admit::BindError error;
  REQUIRE(school_a.bind_json(R"({"school":{"zone":"kw-01"}})", &error));
  REQUIRE(school_b.bind_json(R"({"school.zone":"kw-02","admission":{"age_cutoff":"2023-08-30"}})", &error));

  admit::Applicant a(*policy);
  REQUIRE(a.use_context(&school_a));
  REQUIRE(a.bind_json(R"({"hukou_zone":"kw-01","birth_date":"2017-08-31"})", &error));
  CHECK(group(*policy, a) == "local");
  // Switching the context re-copies its values; the applicant stays bound.
  REQUIRE(a.use_context(&school_b));
  CHECK(group(*policy, a) == "too_young");  // the cut-off day moved one day earlier
  REQUIRE(a.use_context(&school_a));
  CHECK(group(*policy, a) == "local");
}

TEST_CASE("context: defaults, required values and what the record cannot set", "[context]") {
  auto policy = compile();
  admit::Applicant a(*policy);
  admit::BindError error;
  SECTION("a value the rules read and no default: the bind says which") {
    CHECK_FALSE(a.bind_json(R"({"hukou_zone":"kw-01","birth_date":"2017-08-31"})", &error));
    CHECK(error.field == "school.zone");
    CHECK(error.message == "the evaluation context does not set `school.zone` (the policy gives it no default)");
  }
  SECTION("the record cannot choose its school") {
    admit::Context ctx(*policy);
    REQUIRE(ctx.bind_json(R"({"school":{"zone":"kw-01"}})"));
    a.use_context(&ctx);
    REQUIRE(a.bind_json(R"({"hukou_zone":"kw-02","birth_date":"2017-08-31","school":{"zone":"kw-02"}})", &error));
    CHECK(group(*policy, a) == "other");
    admit::BindOptions strict;
    strict.reject_unknown_fields = true;
    CHECK_FALSE(a.bind_json(R"({"hukou_zone":"kw-02","birth_date":"2017-08-31","school.zone":"kw-02"})", &error, strict));
    CHECK(error.message == "`school.zone` is an evaluation context value, not part of the applicant record");
  }
  SECTION("a context binds only context values, checked like facts") {
    admit::Context ctx(*policy);
    CHECK_FALSE(ctx.bind_json(R"({"hukou_zone":"kw-01"})", &error));
    CHECK(error.message == "`hukou_zone` is not a context value of this policy");
    CHECK_FALSE(ctx.bind_json(R"({"school":{"zone":"kw-01","public":"yes"}})", &error));
    CHECK(error.field == "school.public");
    CHECK_FALSE(ctx.bind_json(R"({"school":{"public":false}})", &error));
    CHECK(error.message == "missing context value `school.zone` (the policy gives it no default)");
    // Unread and without a default (school.district_code): not required.
    REQUIRE(ctx.bind_json(R"({"school":{"zone":"kw-01","public":false}})", &error));
    a.use_context(&ctx);
    REQUIRE(a.bind_json(R"({"hukou_zone":"kw-01","birth_date":"2017-08-31"})", &error));
    CHECK(group(*policy, a) == "other");  // a private school: not the local group
  }
  SECTION("a context of another policy is refused") {
    auto other = compile();
    admit::Context ctx(*other);
    CHECK_FALSE(a.use_context(&ctx));
  }
}

TEST_CASE("context: declarations", "[context]") {
  auto list = admit::compile_source(
      "admit: 1\npolicy: {id: c}\ncontext:\n  schools: {type: list, fields: {zone: {type: string}}}\ngroups: []\n", "c.yaml");
  REQUIRE_FALSE(list.ok());
  CHECK(list.diagnostics[0].message == "context value `schools` cannot be a list: the context holds scalars");
  auto twice = admit::compile_source(
      "admit: 1\npolicy: {id: c}\nfacts: {zone: {type: string}}\ncontext: {zone: {type: string}}\ngroups: []\n", "c.yaml");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.diagnostics[0].code == "duplicate-id");
  CHECK(twice.diagnostics[0].line == 4);
}

TEST_CASE("context: a policy test's context, from the test file and the test", "[context]") {
  std::string text = std::string(kPolicy) + R"(tests:
  - name: local
    context: {school: {zone: kw-01}}
    applicant: {hukou_zone: kw-01, birth_date: 2017-08-31}
    expect: {group: local}
)";
  auto r = admit::compile_source(text, "context.yaml");
  REQUIRE(r.ok());
  const admit::PolicyTest& t = r.policy->tests().at(0);
  CHECK(t.context_json == R"({"school":{"zone":"kw-01"}})");
  admit::Context ctx(*r.policy);
  admit::Applicant a(*r.policy);
  admit::BindError error;
  REQUIRE(admit::bind_test_case(t, ctx, a, &error));
  CHECK(group(*r.policy, a) == "local");
}
