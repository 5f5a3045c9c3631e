// Generated native code (admit compile --emit cpp) against the interpreter, on synthetic populations.

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <string>

#include "admit/applicant.hpp"
#include "admit/applicant_batch.hpp"
#include "admit/context.hpp"
#include "admit/testing.hpp"
#include "admit/decision.hpp"
#include "support/describe_decision.hpp"
#include "admit/native.hpp"
#include "admit/policy.hpp"
#include "admit/synth.hpp"
#include "benchmark_county_native.hpp"
#include "kuiwen_2022_native.hpp"
#include "kuiwen_county_2022_native.hpp"

namespace {


void compare(const std::string& file, const admit::NativeProgram& native) {
  INFO(file << (native.points_total == UINT32_MAX ? " (code without the points total)" : ""));
  admit::CompileOptions with_native;
  with_native.native = &native;
  auto fast = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + "/" + file, with_native);
  auto reference = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + "/" + file);
  INFO(admit::render_text(fast.diagnostics));
  REQUIRE(fast.ok());
  REQUIRE(reference.ok());
  REQUIRE(fast.diagnostics.empty());
  REQUIRE(fast.policy->uses_native_code());
  REQUIRE_FALSE(reference.policy->uses_native_code());

  auto synth = admit::make_synthesizer(reference.policy);
  REQUIRE(synth.ok());
  admit::Applicant a1(*fast.policy), a2(*reference.policy);
  // One evaluation context (school, cut-off dates) for the population, drawn like the records.
  admit::Context c1(*fast.policy), c2(*reference.policy);
  std::string context;
  synth.synthesizer->append_context(7, context);
  INFO(context);
  REQUIRE(c1.bind_json(context));
  REQUIRE(c2.bind_json(context));
  a1.use_context(&c1);
  a2.use_context(&c2);
  admit::Decision d1, d2, d3;
  admit::ApplicantBatch batch(*fast.policy);
  std::string record;
  int evaluated = 0;
  for (std::uint64_t i = 0; i < 20000; ++i) {
    record.clear();
    synth.synthesizer->append_record(7, i, record);
    REQUIRE(a1.bind_json(record));
    REQUIRE(a2.bind_json(record));
    fast.policy->evaluate(a1, d1);
    reference.policy->evaluate(a2, d2);
    INFO(record);
    REQUIRE(admit_test::describe(d1) == admit_test::describe(d2));
    // The same record from a batch row (the other fast entry point), into a reused decision.
    batch.clear();
    batch.append(a1);
    fast.policy->evaluate(batch, 0, d3);
    REQUIRE(admit_test::describe(d3) == admit_test::describe(d2));
    ++evaluated;
  }
  CHECK(evaluated == 20000);

  // The policy's own test cases reach corners a synthetic population may miss (substitutes with
  // conditions, boundary dates), so they are compared too.
  int cases = 0;
  for (const auto& test : reference.policy->tests()) {
    INFO(test.name);
    const bool bound = admit::bind_test_case(test, c1, a1);
    REQUIRE(bound == admit::bind_test_case(test, c2, a2));
    if (!bound) continue;
    fast.policy->evaluate(a1, d1);
    reference.policy->evaluate(a2, d2);
    REQUIRE(admit_test::describe(d1) == admit_test::describe(d2));
    ++cases;
  }
  CHECK(cases > 10);
}

}  // namespace

TEST_CASE("native benchmark county decides like the interpreter", "[native]") {
  compare("rules/examples/benchmark-county.yaml", benchmark_county::native_program);
}

TEST_CASE("native Kuiwen 2022 (lists, dates, ID checks) decides like the interpreter", "[native]") {
  compare("examples/county/kuiwen-2022.yaml", kuiwen_2022::native_program);
}

TEST_CASE("native code generated for another version of a policy is refused", "[native]") {
  admit::CompileOptions options;
  options.native = &benchmark_county::native_program;
  options.overrides = {{"groups.hukou_only.when", "hukou_zone == city"}};
  auto r = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + "/rules/examples/benchmark-county.yaml", options);
  REQUIRE(r.ok());
  CHECK_FALSE(r.policy->uses_native_code());
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].severity == admit::Severity::warning);
  CHECK(r.diagnostics[0].code == "stale-native-code");
}

TEST_CASE("native Kuiwen 2022 on the standard schema (layers, context, string constants, tie-breaks) decides like the interpreter",
          "[native]") {
  compare("rules/shandong/weifang/kuiwen-2022.yaml", kuiwen_county_2022::native_program);
}

TEST_CASE("native code generated before the points total output still decides like the interpreter", "[native]") {
  // Older generated headers had only the rules' function (now run_rules, which run_decision calls
  // before summing the points) and left NativeProgram::points_total at its default: the library
  // then sums the items itself.
  const admit::NativeProgram& now = benchmark_county::native_program;
  compare("rules/examples/benchmark-county.yaml", admit::NativeProgram{now.fingerprint, now.output_count, &benchmark_county::run_rules});
  const admit::NativeProgram& layered = kuiwen_county_2022::native_program;
  compare("rules/shandong/weifang/kuiwen-2022.yaml",
          admit::NativeProgram{layered.fingerprint, layered.output_count, &kuiwen_county_2022::run_rules});
}

TEST_CASE("native code whose points total would overwrite an output is refused", "[native]") {
  admit::NativeProgram broken = benchmark_county::native_program;
  broken.points_total = 1;
  admit::CompileOptions options;
  options.native = &broken;
  auto r = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + "/rules/examples/benchmark-county.yaml", options);
  REQUIRE(r.ok());
  CHECK_FALSE(r.policy->uses_native_code());
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].code == "stale-native-code");
}

TEST_CASE("a decision's lines and certificates are its own: copies, re-evaluation, indexing", "[native]") {
  admit::CompileOptions options;
  options.native = &benchmark_county::native_program;
  auto fast = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + "/rules/examples/benchmark-county.yaml", options);
  REQUIRE(fast.ok());
  REQUIRE(fast.policy->uses_native_code());
  admit::Applicant a(*fast.policy);
  // In zone with a full title: hukou_property, 30 + 30 points, the deed verified, the register missing.
  REQUIRE(a.bind_json(R"({"id":"370704202005267912","birth_date":"2020-05-26","hukou_zone":"in_zone","hukou_years":3,"property_type":"full_title",)"
                      R"("rental_registered":false,"rental_years":0,"si_months":0,"business_license":false,)"
                      R"("residence_permit":false,"preferential":"none","verified":["property_certificate"]})"));
  admit::Decision d;
  fast.policy->evaluate(a, d);
  REQUIRE(d.ok());
  CHECK(d.group_id() == "hukou_property");
  const std::string first = admit_test::describe(d);
  const admit::Decision copy = d;  // the copy's views read the copy
  REQUIRE(d.breakdown().size() == fast.policy->points_items().size());
  std::size_t i = 0;
  for (const admit::PointsLine& line : d.breakdown()) {
    CHECK(line.item == i);
    CHECK(line.value == d.breakdown()[i].value);
    ++i;
  }
  CHECK(i == d.breakdown().size());
  REQUIRE(d.certificates().size() == 2);
  CHECK(fast.policy->certificates()[d.certificates()[0].certificate].id == "household_register");
  CHECK(d.certificates()[0].status == admit::CertificateStatus::missing);
  CHECK(fast.policy->certificates()[d.certificates()[1].certificate].id == "property_certificate");
  CHECK(d.certificates()[1].status == admit::CertificateStatus::verified);
  CHECK(d.missing_count() == 1);

  // Evaluating another applicant into `d` changes `d`, not the copy.
  REQUIRE(a.bind_json(R"({"id":"370704202005267912","birth_date":"2015-01-15","hukou_zone":"in_zone","hukou_years":3,"property_type":"none",)"
                      R"("rental_registered":false,"rental_years":0,"si_months":0,"business_license":false,)"
                      R"("residence_permit":false,"preferential":"none"})"));
  fast.policy->evaluate(a, d);
  CHECK_FALSE(d.eligible());
  CHECK(d.breakdown().empty());
  CHECK(d.certificates().empty());
  CHECK(d.missing_count() == 0);
  CHECK(admit_test::describe(copy) == first);
}
