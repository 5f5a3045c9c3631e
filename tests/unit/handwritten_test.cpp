// The hand-written benchmark county (benchmarks/handwritten.cpp) against the compiled policy
// rules/examples/benchmark-county.yaml: identical group, points and missing certificates (in order)
// on generated populations and on every combination of the policy's boundaries. The benchmark's
// ratio compiled / hand-written only means something while this holds.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "admit/synth.hpp"

// The benchmark's translation unit itself (not part of the library): compiled into this test once.
#include "../../benchmarks/handwritten.cpp"

namespace {

const std::string kRoot = ADMIT_SOURCE_DIR;

std::shared_ptr<const admit::Policy> benchmark_policy() {
  static std::shared_ptr<const admit::Policy> policy = [] {
    admit::CompileResult r = admit::compile_file(kRoot + "/rules/examples/benchmark-county.yaml");
    REQUIRE(r.ok());
    return r.policy;
  }();
  return policy;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string describe(const admit::Decision& d) {
  std::string s = std::string(d.group_id()) + " " + d.points().to_string() + " [";
  for (const std::string& id : d.missing_ids()) s += id + " ";
  return s + "]";
}

std::string describe(const bench::HwDecision& h) {
  std::string s = std::string(bench::kGroupIds[h.group]) + " " +
                  admit::Decimal::from_units(h.points_units).to_string() + " [";
  for (std::uint8_t i = 0; i < h.missing_count; ++i) s += std::string(bench::kCertificateIds[h.missing[i]]) + " ";
  return s + "]";
}

// Binds `line`, evaluates it both ways, and returns the number of disagreements (0 or 1).
struct Comparer {
  admit::Applicant applicant{*benchmark_policy()};
  admit::Decision decision;
  bench::HwApplicant hw;
  bench::HwDecision hw_decision;
  std::size_t compared = 0;

  bool check(const std::string& line) {
    admit::BindError error;
    INFO(line);
    REQUIRE(applicant.bind_json(line, &error));
    REQUIRE(bench::parse_record(line, hw));
    benchmark_policy()->evaluate(applicant, decision);
    REQUIRE(decision.ok());
    bench::decide(hw, hw_decision);
    ++compared;
    const std::string a = describe(decision), b = describe(hw_decision);
    if (a == b) return true;
    FAIL_CHECK(line << "\n  compiled:     " << a << "\n  hand-written: " << b);
    return false;
  }
};

}  // namespace

TEST_CASE("hand-written benchmark county: identical decisions on generated populations", "[handwritten][synth]") {
  const std::string profile = read_file(kRoot + "/benchmarks/profiles/benchmark-county.yaml");
  REQUIRE(!profile.empty());
  Comparer comparer;
  std::size_t failures = 0;
  std::string line;
  // The benchmark's own profile, and the defaults (every enum value uniform: many preferential).
  for (const std::string& text : {profile, std::string()}) {
    admit::SynthResult synth = admit::make_synthesizer(benchmark_policy(), text, "profile.yaml");
    REQUIRE(synth.ok());
    for (std::uint64_t i = 0; i < 25000 && failures < 5; ++i) {
      line.clear();
      synth.synthesizer->append_record(2026, i, line);
      line.pop_back();
      if (!comparer.check(line)) ++failures;
    }
  }
  CHECK(failures == 0);
  CHECK(comparer.compared == 50000);
}

TEST_CASE("hand-written benchmark county: identical decisions on every boundary", "[handwritten]") {
  const char* births[] = {"2019-08-31", "2019-09-01", "2020-02-29", "2020-08-31", "2020-09-01"};
  const char* zones[] = {"in_zone", "city", "province", "outside"};
  const char* properties[] = {"full_title", "purchase_contract", "small_title", "none"};
  const char* preferential[] = {"none", "martyr"};
  const int si_months[] = {0, 11, 12, 60, 61};
  const int years[] = {0, 5, 6, 10, 11};
  const char* held[] = {"[]", "[\"household_register\"]",
                        "[\"household_register\",\"property_certificate\",\"residence_permit\"]",
                        "[\"purchase_contract\",\"social_insurance_record\",\"business_license\",\"preferential_certificate\"]"};
  Comparer comparer;
  std::size_t failures = 0;
  for (const char* birth : births)
    for (const char* zone : zones)
      for (const char* property : properties)
        for (const char* pref : preferential)
          for (int si : si_months)
            for (int flags = 0; flags < 8; ++flags)
              for (int k = 0; k < 5 && failures < 5; ++k) {
                const int y = years[k];
                const char* certificates = held[(flags + k) % 4];
                std::string line = std::string("{\"id\":\"370702202001010011\",\"birth_date\":\"") + birth +
                                   "\",\"hukou_zone\":\"" + zone + "\",\"hukou_years\":" + std::to_string(y) +
                                   ",\"property_type\":\"" + property + "\",\"rental_registered\":" +
                                   ((flags & 1) ? "true" : "false") + ",\"rental_years\":" + std::to_string(y) +
                                   ",\"si_months\":" + std::to_string(si) + ",\"business_license\":" +
                                   ((flags & 2) ? "true" : "false") + ",\"residence_permit\":" +
                                   ((flags & 4) ? "true" : "false") + ",\"preferential\":\"" + pref +
                                   "\",\"verified\":" + certificates + "}";
                if (!comparer.check(line)) ++failures;
              }
  CHECK(failures == 0);
  CHECK(comparer.compared == 5 * 4 * 4 * 2 * 5 * 8 * 5);
}

TEST_CASE("hand-written benchmark county: the sample applicants", "[handwritten]") {
  std::ifstream in(kRoot + "/rules/examples/benchmark-county.applicants.jsonl");
  REQUIRE(in);
  Comparer comparer;
  std::string line;
  admit::BindError error;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    // The sample also holds invalid records (for `admit eval`'s error records): both readers reject them.
    if (!comparer.applicant.bind_json(line, &error)) {
      CHECK(!bench::parse_record(line, comparer.hw));
      continue;
    }
    CHECK(comparer.check(line));
  }
  CHECK(comparer.compared > 0);
}
