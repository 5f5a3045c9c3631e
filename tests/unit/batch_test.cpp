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

TEST_CASE("a batch keeps every text, long, empty or in list records, also after clear()", "[batch]") {
  // The batch packs texts into chunks of 64 KiB: texts that straddle, exceed or exactly fill a
  // chunk must come back intact, and clear() must leave nothing a new record could see.
  const char* policy_text = R"(admit: 1
policy: {id: texts, year: 2026, grade: 1}
facts:
  school: {type: string, default: ""}
  note: {type: string}
  homes:
    type: list
    max_items: 3
    fields:
      address: {type: string}
groups:
  - id: long_note
    when: note != "" and school == "一小"
  - id: listed
    when: any(h in homes, h.address == note)
)";
  auto compiled = admit::compile_source(policy_text, "texts.yaml");
  INFO(admit::render_text(compiled.diagnostics));
  REQUIRE(compiled.ok());
  const admit::Policy& policy = *compiled.policy;
  std::vector<std::string> records;
  for (std::size_t size : {0u, 1u, 17u, 4000u, 65535u, 65536u, 65537u, 200000u, 3u}) {
    const std::string note(size, static_cast<char>('a' + size % 26));
    records.push_back(R"({"id":"rec-)" + std::to_string(size) + R"(","school":"一小","note":")" + note +
                      R"(","homes":[{"address":"x"},{"address":")" + note + R"("}]})");
  }
  admit::ApplicantBatch batch(policy);
  admit::Applicant single(policy);
  admit::Decision from_batch, from_single;
  for (int round = 0; round < 2; ++round) {
    batch.clear();
    for (const auto& r : records) REQUIRE(batch.append_json(r));
    REQUIRE(batch.size() == records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      REQUIRE(single.bind_json(records[i]));
      policy.evaluate(single, from_single);
      policy.evaluate(batch, i, from_batch);
      REQUIRE(admit_test::describe(from_batch) == admit_test::describe(from_single));
      CHECK(from_batch.group_id() == (i == 0 ? "listed" : "long_note"));
      REQUIRE(batch.id(i) == single.id());
    }
  }
}
