// One compiled policy, many threads: every thread must see exactly the single-threaded decisions.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "policy/compiled_policy.hpp"

namespace {

std::string summary(const admit::Decision& d) {
  std::string s = std::string(d.group_id()) + "|" + d.points().to_string() + "|";
  for (const auto& m : d.missing_ids()) s += m + ",";
  return s;
}

std::vector<std::string> population(std::size_t n) {
  const char* zones[] = {"in_zone", "city", "province", "outside"};
  const char* kinds[] = {"full_title", "purchase_contract", "small_title", "none"};
  const char* prefs[] = {"none", "none", "none", "military"};
  std::vector<std::string> records;
  std::uint32_t x = 12345;
  auto next = [&] { return x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff; };
  for (std::size_t i = 0; i < n; ++i) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  R"({"id":"x%zu","birth_date":"20%02u-%02u-15","hukou_zone":"%s","hukou_years":%u,"property_type":"%s",)"
                  R"("rental_registered":%s,"rental_years":%u,"si_months":%u,"business_license":%s,)"
                  R"("residence_permit":%s,"preferential":"%s","verified":["household_register"]})",
                  i, 19 + next() % 2, 1 + next() % 12, zones[next() % 4], next() % 15, kinds[next() % 4],
                  next() % 2 ? "true" : "false", next() % 9, next() % 80, next() % 2 ? "true" : "false",
                  next() % 2 ? "true" : "false", prefs[next() % 4]);
    records.emplace_back(buf);
  }
  return records;
}

}  // namespace

TEST_CASE("many threads evaluating one policy agree with one thread", "[threads]") {
  auto compiled = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + "/rules/examples/benchmark-county.yaml");
  INFO(admit::render_text(compiled.diagnostics));
  REQUIRE(compiled.ok());
  const admit::Policy& policy = *compiled.policy;
  auto records = population(4000);

  std::vector<std::string> expected;
  {
    admit::Applicant a(policy);
    admit::Decision d;
    for (const auto& r : records) {
      REQUIRE(a.bind_json(r));
      policy.evaluate(a, d);
      expected.push_back(summary(d));
    }
  }
  std::set<std::string> groups(expected.begin(), expected.end());
  REQUIRE(groups.size() > 20);  // the population exercises many outcomes

  constexpr int kThreads = 8;
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      admit::Applicant a(policy);
      admit::Decision d;
      for (int round = 0; round < 3; ++round)
        for (std::size_t i = static_cast<std::size_t>(t); i < records.size(); i += 3) {
          if (!a.bind_json(records[i])) {
            ++mismatches;
            continue;
          }
          policy.evaluate(a, d);
          if (summary(d) != expected[i]) ++mismatches;
        }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches.load() == 0);
}

TEST_CASE("the fused fast path decides exactly like rule-by-rule evaluation", "[fused]") {
  for (const char* file : {"/rules/examples/benchmark-county.yaml"}) {
    auto compiled = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + file);
    REQUIRE(compiled.ok());
    const admit::Policy& policy = *compiled.policy;
    REQUIRE(policy.compiled().fused.available);
    admit::Applicant a(policy);
    admit::Decision fast, reference;
    std::size_t compared = 0;
    for (const auto& r : population(20000)) {
      REQUIRE(a.bind_json(r));
      policy.evaluate(a, fast);
      admit::internal::evaluate_rule_by_rule(policy, a, reference);
      REQUIRE(fast.eligible() == reference.eligible());
      REQUIRE(fast.group_id() == reference.group_id());
      REQUIRE(fast.points() == reference.points());
      REQUIRE(fast.breakdown().size() == reference.breakdown().size());
      for (std::size_t i = 0; i < fast.breakdown().size(); ++i) {
        REQUIRE(fast.breakdown()[i].raw == reference.breakdown()[i].raw);
        REQUIRE(fast.breakdown()[i].applied == reference.breakdown()[i].applied);
      }
      REQUIRE(fast.missing_ids() == reference.missing_ids());
      ++compared;
    }
    CHECK(compared == 20000);
  }
}
