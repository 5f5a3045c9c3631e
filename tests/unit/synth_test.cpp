// admit::Synthesizer (admit synth): deterministic, every record binds, shares as asked.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "admit/resident_id.hpp"
#include "admit/context.hpp"
#include "admit/synth.hpp"

namespace {

const std::string kRoot = ADMIT_SOURCE_DIR;

std::shared_ptr<const admit::Policy> compile(const std::string& relative) {
  admit::CompileOptions options;
  options.load_sibling_tests = false;
  admit::CompileResult r = admit::compile_file(kRoot + "/" + relative, options);
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  return r.policy;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string generate(const std::shared_ptr<const admit::Policy>& policy, std::string_view profile, std::uint64_t seed,
                     std::uint64_t count) {
  admit::SynthResult r = admit::make_synthesizer(policy, profile);
  INFO(admit::render_text(r.diagnostics));
  REQUIRE(r.ok());
  std::string out;
  for (std::uint64_t i = 0; i < count; ++i) r.synthesizer->append_record(seed, i, out);
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// The string value of a top-level member of a flat record ("" when absent).
std::string member(const std::string& line, const std::string& key) {
  const std::string needle = "\"" + key + "\":\"";
  const auto at = line.find(needle);
  if (at == std::string::npos) return "";
  const auto start = at + needle.size();
  return line.substr(start, line.find('"', start) - start);
}

std::vector<std::string> policy_files() {
  std::vector<std::string> files;
  for (const char* dir : {"rules", "examples"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(kRoot + "/" + dir)) {
      const std::string name = e.path().filename().string();
      if (e.path().extension() != ".yaml" || name.find(".test.yaml") != std::string::npos) continue;
      files.push_back(std::filesystem::relative(e.path(), kRoot).string());
    }
  return files;
}

}  // namespace

TEST_CASE("synth: the same seed gives the same records, whatever the order", "[synth]") {
  auto policy = compile("rules/examples/benchmark-county.yaml");
  const std::string a = generate(policy, "", 7, 3000);
  const std::string b = generate(policy, "", 7, 3000);
  CHECK(a == b);
  CHECK(a != generate(policy, "", 8, 3000));

  // Record i alone (as another thread would produce it) equals line i.
  admit::SynthResult r = admit::make_synthesizer(policy);
  REQUIRE(r.ok());
  const std::vector<std::string> all = lines(a);
  REQUIRE(all.size() == 3000);
  for (std::uint64_t i : {2999u, 0u, 1234u, 17u}) {
    std::string one;
    r.synthesizer->append_record(7, i, one);
    CHECK(one == all[i] + "\n");
  }
}

TEST_CASE("synth: records do not depend on the platform", "[synth]") {
  // Pinned output: our own PRNG and integer arithmetic only, so this holds on any compiler and
  // standard library. Update it only with a deliberate change of the generator.
  auto policy = compile("rules/examples/benchmark-county.yaml");
  const std::vector<std::string> got = lines(generate(policy, "", 1, 2));
  REQUIRE(got.size() == 2);
  CHECK(got[0] ==
        R"({"id":"370705202007049149","birth_date":"2020-07-04","hukou_zone":"in_zone","hukou_years":7,)"
        R"("property_type":"none","rental_registered":true,"rental_years":6,"si_months":64,"business_license":true,)"
        R"("residence_permit":true,"preferential":"none","verified":["household_register"],"submitted":[]})");
}

TEST_CASE("synth: every record of every policy binds and evaluates", "[synth]") {
  for (const std::string& file : policy_files()) {
    INFO(file);
    auto policy = compile(file);
    admit::Applicant applicant(*policy);
    // Records never carry the evaluation context; the synthesizer draws one for the population.
    admit::Context context(*policy);
    std::string context_json;
    admit::make_synthesizer(policy).synthesizer->append_context(99, context_json);
    INFO(context_json);
    REQUIRE(context.bind_json(context_json));
    REQUIRE(applicant.use_context(&context));
    admit::Decision decision;
    admit::BindError error;
    std::size_t count = 0;
    for (const std::string& line : lines(generate(policy, "", 99, 3000))) {
      INFO(line);
      REQUIRE(applicant.bind_json(line, &error, admit::BindOptions{true}));
      policy->evaluate(applicant, decision);
      CHECK(decision.ok());
      // The record's id is a valid resident ID number.
      CHECK(admit::is_valid_resident_id(applicant.id()));
      ++count;
    }
    CHECK(count == 3000);
  }
}

TEST_CASE("synth: shares follow the profile and DOMAIN.md §12", "[synth]") {
  auto policy = compile("rules/examples/benchmark-county.yaml");
  const std::string profile = read_file(kRoot + "/benchmarks/profiles/benchmark-county.yaml");
  const std::vector<std::string> records = lines(generate(policy, profile, 5, 40000));
  admit::Applicant applicant(*policy);
  admit::Decision decision;
  std::map<std::string, double> zone, preferential;
  double eligible = 0, needs = 0, complete = 0, one = 0, more = 0, permit = 0, id_matches = 0;
  for (const std::string& line : records) {
    REQUIRE(applicant.bind_json(line));
    policy->evaluate(applicant, decision);
    REQUIRE(decision.ok());
    zone[member(line, "hukou_zone")] += 1;
    preferential[member(line, "preferential")] += 1;
    if (line.find("\"residence_permit\":true") != std::string::npos) permit += 1;
    const std::string id = member(line, "id");
    const auto birth = admit::resident_id_birth_date(id);
    if (birth && birth->to_string() == member(line, "birth_date")) id_matches += 1;
    if (!decision.eligible()) continue;
    eligible += 1;
    if (decision.certificates().empty()) continue;
    needs += 1;
    const std::size_t missing = decision.missing_count();
    (missing == 0 ? complete : missing == 1 ? one : more) += 1;
  }
  const double n = static_cast<double>(records.size());
  CHECK(id_matches == n);
  CHECK(eligible / n == Approx(0.95).margin(0.01));
  CHECK(zone["in_zone"] / n == Approx(0.45).margin(0.015));
  CHECK(zone["outside"] / n == Approx(0.20).margin(0.015));
  CHECK(preferential["none"] / n == Approx(0.94).margin(0.01));
  CHECK(permit / n == Approx(0.30).margin(0.015));
  REQUIRE(needs > 10000);
  CHECK(complete / needs == Approx(0.85).margin(0.015));
  CHECK(one / needs == Approx(0.10).margin(0.01));
  // Records needing one certificate cannot miss two: "more" is a little under 5 %.
  CHECK(more / needs == Approx(0.05).margin(0.015));
}

TEST_CASE("synth: defaults draw enums uniformly and births inside the eligible year", "[synth]") {
  auto policy = compile("rules/examples/benchmark-county.yaml");
  const std::vector<std::string> records = lines(generate(policy, "", 3, 20000));
  std::map<std::string, double> zone;
  double inside = 0;
  for (const std::string& line : records) {
    zone[member(line, "hukou_zone")] += 1;
    const std::string birth = member(line, "birth_date");
    if (birth >= "2019-09-01" && birth <= "2020-08-31") inside += 1;
  }
  const double n = static_cast<double>(records.size());
  for (const char* v : {"in_zone", "city", "province", "outside"}) CHECK(zone[v] / n == Approx(0.25).margin(0.015));
  CHECK(inside / n == Approx(0.95).margin(0.01));
}

TEST_CASE("synth: lists, nested facts and defaults (Kuiwen)", "[synth]") {
  auto policy = compile("examples/county/kuiwen-2022.yaml");
  const std::string profile = R"(facts:
  properties: {items: {min: 1, max: 2}}
  properties[].owner: {values: {father: 1}}
  hukou.district: {values: {kuiwen: 3, weicheng: 1}}
  employment.social_insurance_kuiwen: {absent: 0.5}
)";
  const std::vector<std::string> records = lines(generate(policy, profile, 4, 2000));
  admit::Applicant applicant(*policy);
  double kuiwen = 0;
  for (const std::string& line : records) {
    INFO(line);
    REQUIRE(applicant.bind_json(line));
    CHECK(line.find("\"properties\":[{") != std::string::npos);
    CHECK(line.find("\"owner\":\"mother\"") == std::string::npos);
    if (line.find("\"hukou\":{\"district\":\"kuiwen\"") != std::string::npos) kuiwen += 1;
  }
  CHECK(kuiwen / 2000 == Approx(0.75).margin(0.04));
}

TEST_CASE("synth: profile errors are diagnostics with positions", "[synth]") {
  auto policy = compile("rules/examples/benchmark-county.yaml");
  admit::SynthResult r = admit::make_synthesizer(policy, R"(facts:
  hukou_zone: {values: {in_zone: 1, moon: 2}}
  no_such_fact: {min: 1}
  si_months: {probability: 0.5}
  rental_registered: {probability: 2}
certificates: {complete: 0.9, sometimes: 0.1}
)", "p.yaml");
  CHECK(!r.ok());
  REQUIRE(r.diagnostics.size() == 5);
  CHECK(r.diagnostics[0].message.find("no value `moon`") != std::string::npos);
  CHECK(r.diagnostics[0].line == 2);
  CHECK(r.diagnostics[1].message.find("`no_such_fact` is not a fact") != std::string::npos);
  CHECK(r.diagnostics[1].line == 3);
  CHECK(r.diagnostics[2].message.find("`probability` does not apply") != std::string::npos);
  CHECK(r.diagnostics[3].line == 5);
  CHECK(r.diagnostics[4].message.find("unknown key `sometimes`") != std::string::npos);
  CHECK(r.diagnostics[4].file == "p.yaml");

  admit::SynthResult bad = admit::make_synthesizer(policy, "facts: [unclosed", "q.yaml");
  CHECK(!bad.ok());
  REQUIRE(!bad.diagnostics.empty());
  CHECK(bad.diagnostics[0].message.find("malformed YAML") != std::string::npos);
}
