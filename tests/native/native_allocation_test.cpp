// Native evaluation allocates nothing once the Decision is warm, reading the answer included: a
// counting global allocator (its own executable, like tests/alloc, so that the replacement affects
// no other test; excluded from the ASan pass, whose allocator it would replace).

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "admit/applicant.hpp"
#include "admit/applicant_batch.hpp"
#include "admit/context.hpp"
#include "admit/decision.hpp"
#include "admit/native.hpp"
#include "admit/policy.hpp"
#include "admit/synth.hpp"
#include "admit/testing.hpp"
#include "benchmark_county_native.hpp"
#include "kuiwen_2022_native.hpp"
#include "support/counting_allocator.hpp"

namespace {
auto& g_allocations = admit_test::allocations::count;
auto& g_counting = admit_test::allocations::counting;
}  // namespace

TEST_CASE("native evaluation allocates nothing once warm, reading the answer included", "[allocation]") {
  // The benchmark county (certificates as bits only) and Kuiwen 2022 (lists, substitutes: a missing
  // certificate with a substitute takes the statuses one by one, on the interpreter).
  std::size_t read = 0, substituted = 0;
  const std::pair<const char*, const admit::NativeProgram*> policies[] = {
      {"/rules/examples/benchmark-county.yaml", &benchmark_county::native_program},
      {"/examples/county/kuiwen-2022.yaml", &kuiwen_2022::native_program}};
  for (const auto& [file, native] : policies) {
    INFO(file);
    admit::CompileOptions options;
    options.native = native;
    auto fast = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + file, options);
    REQUIRE(fast.ok());
    REQUIRE(fast.policy->uses_native_code());
    auto synth = admit::make_synthesizer(fast.policy);
    REQUIRE(synth.ok());
    admit::ApplicantBatch batch(*fast.policy);
    std::string record;
    for (std::uint64_t i = 0; i < 2000; ++i) {
      record.clear();
      synth.synthesizer->append_record(3, i, record);
      REQUIRE(batch.append_json(record));
    }
    // The policy's own test cases too: they reach the substitutes a synthetic population misses.
    admit::Context context(*fast.policy);
    admit::Applicant from_test(*fast.policy);
    from_test.use_context(&context);
    for (const auto& test : fast.policy->tests())
      if (admit::bind_test_case(test, context, from_test)) batch.append(from_test);
    admit::Decision d;
    for (std::size_t i = 0; i < batch.size(); ++i) fast.policy->evaluate(batch, i, d);  // warm up
    g_allocations = 0;
    g_counting = true;
    for (int round = 0; round < 5; ++round)
      for (std::size_t i = 0; i < batch.size(); ++i) {
        fast.policy->evaluate(batch, i, d);
        read += d.group_id().size() + d.missing_count();
        for (const admit::PointsLine& line : d.breakdown()) read += line.applied;
        for (const admit::RequiredCertificate& c : d.certificates())
          substituted += c.status == admit::CertificateStatus::substituted;
      }
    g_counting = false;
    CHECK(g_allocations.load() == 0);

    // The counter does count: a trace allocates.
    admit::Applicant applicant(*fast.policy);
    REQUIRE(applicant.bind_json(record));
    g_counting = true;
    fast.policy->evaluate_with_trace(applicant, d);
    g_counting = false;
    CHECK(g_allocations.load() > 0);
  }
  CHECK(read > 0);
  CHECK(substituted > 0);
}
