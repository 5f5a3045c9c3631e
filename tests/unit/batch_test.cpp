// ApplicantBatch: the contiguous population layout decides exactly like single Applicants.

#include <catch2/catch.hpp>

#include <string>

#include "admit/applicant.hpp"
#include "admit/applicant_batch.hpp"
#include "admit/decision.hpp"
#include "support/describe_decision.hpp"
#include "admit/policy.hpp"
#include "admit/synth.hpp"

namespace {


}  // namespace

TEST_CASE("a batch decides like single applicants, lists and strings included", "[batch]") {
  for (const char* file : {"/rules/examples/benchmark-county.yaml", "/examples/county/kuiwen-2022.yaml"}) {
    auto compiled = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + file);
    INFO(file);
    REQUIRE(compiled.ok());
    const admit::Policy& policy = *compiled.policy;
    auto synth = admit::make_synthesizer(compiled.policy);
    REQUIRE(synth.ok());
    std::vector<std::string> records(3000);
    for (std::size_t i = 0; i < records.size(); ++i) synth.synthesizer->append_record(11, i, records[i]);

    admit::ApplicantBatch batch(policy);
    batch.reserve(records.size());
    for (const auto& r : records) REQUIRE(batch.append_json(r));
    REQUIRE(batch.size() == records.size());

    admit::Applicant single(policy);
    admit::Decision from_batch, from_single;
    for (std::size_t i = 0; i < records.size(); ++i) {
      REQUIRE(single.bind_json(records[i]));
      policy.evaluate(single, from_single);
      policy.evaluate(batch, i, from_batch);
      REQUIRE(admit_test::describe(from_batch) == admit_test::describe(from_single));
      REQUIRE(batch.id(i) == single.id());
    }
  }
}

TEST_CASE("a record that cannot be bound is not appended", "[batch]") {
  auto compiled = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + "/rules/examples/benchmark-county.yaml");
  REQUIRE(compiled.ok());
  admit::ApplicantBatch batch(*compiled.policy);
  admit::BindError error;
  CHECK_FALSE(batch.append_json(R"({"hukou_zone":"mars"})", &error));
  CHECK(batch.size() == 0);
  CHECK(error.field == "hukou_zone");
}
