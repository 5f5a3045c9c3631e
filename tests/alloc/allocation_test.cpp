// Proves that evaluation allocates nothing once the Decision is warm: a counting global allocator
// (this test has its own executable so the replacement does not affect other tests).

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "support/counting_allocator.hpp"

namespace {
auto& g_allocations = admit_test::allocations::count;
auto& g_counting = admit_test::allocations::counting;
}  // namespace

TEST_CASE("evaluation allocates nothing once warm", "[allocation]") {
  auto compiled = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + "/rules/examples/benchmark-county.yaml");
  INFO(admit::render_text(compiled.diagnostics));
  REQUIRE(compiled.ok());
  const admit::Policy& policy = *compiled.policy;
  const std::vector<std::string> records = {
      R"({"id":"a","birth_date":"2020-03-01","hukou_zone":"in_zone","hukou_years":4,"property_type":"full_title","rental_registered":false,"rental_years":0,"si_months":30,"business_license":false,"residence_permit":false,"preferential":"none","verified":["household_register"]})",
      R"({"id":"b","birth_date":"2020-03-01","hukou_zone":"outside","hukou_years":0,"property_type":"none","rental_registered":true,"rental_years":7,"si_months":8,"business_license":true,"residence_permit":true,"preferential":"none","verified":[]})",
      R"({"id":"c","birth_date":"2021-03-01","hukou_zone":"city","hukou_years":0,"property_type":"none","rental_registered":false,"rental_years":0,"si_months":0,"business_license":false,"residence_permit":false,"preferential":"none","verified":[]})",
      R"({"id":"d","birth_date":"2019-10-01","hukou_zone":"city","hukou_years":2,"property_type":"purchase_contract","rental_registered":false,"rental_years":0,"si_months":70,"business_license":false,"residence_permit":true,"preferential":"police","verified":[]})",
  };
  std::vector<std::unique_ptr<admit::Applicant>> applicants;
  for (const auto& r : records) {
    applicants.push_back(std::make_unique<admit::Applicant>(policy));
    REQUIRE(applicants.back()->bind_json(r));
  }
  admit::Decision decision;
  for (const auto& a : applicants) policy.evaluate(*a, decision);  // warm up: buffers reach their size

  g_allocations = 0;
  g_counting = true;
  std::size_t groups = 0, lines = 0, statuses = 0;
  for (int round = 0; round < 1000; ++round)
    for (const auto& a : applicants) {
      policy.evaluate(*a, decision);
      groups += decision.group_id().size();
      // Reading the answer allocates nothing either: the views decode in place.
      for (const admit::PointsLine& line : decision.breakdown()) lines += line.applied;
      for (const admit::RequiredCertificate& c : decision.certificates())
        statuses += c.status == admit::CertificateStatus::missing;
      statuses += decision.missing_count();
    }
  g_counting = false;
  CHECK(g_allocations.load() == 0);
  CHECK(groups > 0);
  CHECK(lines > 0);
  CHECK(statuses > 0);

  // Binding a flat record into a warm Applicant allocates nothing either (keys are looked up as views).
  admit::Applicant warm(policy);
  for (const auto& r : records) REQUIRE(warm.bind_json(r));
  g_allocations = 0;
  g_counting = true;
  bool all_bound = true;
  for (int round = 0; round < 100; ++round)
    for (const auto& r : records) all_bound = warm.bind_json(r) && all_bound;
  g_counting = false;
  CHECK(all_bound);
  CHECK(g_allocations.load() == 0);

  // Nor with keys in another order (key-order prediction re-learns without allocating once its
  // remembered keys have grown) or an unknown key in between.
  const std::vector<std::string> reordered = {
      R"({"verified":["household_register"],"preferential":"none","residence_permit":false,"business_license":false,"si_months":30,"rental_years":0,"rental_registered":false,"property_type":"full_title","hukou_years":4,"hukou_zone":"in_zone","birth_date":"2020-03-01","id":"a"})",
      R"({"id":"b","source":"batch 7","birth_date":"2020-03-01","hukou_zone":"outside","hukou_years":0,"property_type":"none","rental_registered":true,"rental_years":7,"si_months":8,"business_license":true,"residence_permit":true,"preferential":"none","verified":[]})",
  };
  for (const auto& r : reordered) REQUIRE(warm.bind_json(r));
  g_allocations = 0;
  g_counting = true;
  for (int round = 0; round < 100; ++round) {
    for (const auto& r : records) all_bound = warm.bind_json(r) && all_bound;
    for (const auto& r : reordered) all_bound = warm.bind_json(r) && all_bound;
  }
  g_counting = false;
  CHECK(all_bound);
  CHECK(g_allocations.load() == 0);

  // The counter does count: a trace allocates.
  g_counting = true;
  policy.evaluate_with_trace(*applicants[0], decision);
  g_counting = false;
  CHECK(g_allocations.load() > 0);
}

TEST_CASE("binding list records allocates nothing once warm", "[allocation]") {
  // No path string is built per record or field (only for error messages).
  auto compiled = admit::compile_source(R"(admit: 1
policy: {id: lists, year: 2026, grade: 1}
facts:
  zone: {type: enum, values: [a, b]}
  properties:
    type: list
    max_items: 4
    fields:
      owner: {type: enum, values: [father, mother]}
      share: {type: decimal}
      address: {type: string, default: ""}
groups:
  - id: owners
    when: sum(p in properties, p.share) > 0.5
)", "lists.yaml");
  INFO(admit::render_text(compiled.diagnostics));
  REQUIRE(compiled.ok());
  const std::vector<std::string> records = {
      R"({"zone":"a","properties":[{"owner":"father","share":0.5,"address":"x"},{"share":0.25,"owner":"mother"}]})",
      R"({"properties":[{"owner":"mother","share":1}],"zone":"b"})",
  };
  admit::Applicant a(*compiled.policy);
  admit::Decision d;
  for (const auto& r : records) {
    REQUIRE(a.bind_json(r));
    compiled.policy->evaluate(a, d);
  }
  g_allocations = 0;
  g_counting = true;
  bool all_bound = true;
  for (int round = 0; round < 100; ++round)
    for (const auto& r : records) {
      all_bound = a.bind_json(r) && all_bound;
      compiled.policy->evaluate(a, d);
    }
  g_counting = false;
  CHECK(all_bound);
  CHECK(g_allocations.load() == 0);
}
