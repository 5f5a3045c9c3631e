// Generated native code (admit compile --emit cpp) against the interpreter, on synthetic populations.

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <string>

#include "admit/applicant.hpp"
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
  admit::Decision d1, d2;
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
