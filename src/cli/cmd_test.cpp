// admit test FILE_OR_DIR...: run the test cases of policies (`tests:` in the policy or its sibling
// `<name>.test.yaml`) and end with the line "N passed, M failed", which CI parses.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/diagnostic.hpp"
#include "admit/testing.hpp"
#include "admit/policy.hpp"
#include "cli/commands.hpp"
#include "cli/test_coverage.hpp"

namespace admit::internal::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTestSuffix = ".test.yaml";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_policy_file(const fs::path& path) {
  const std::string name = path.filename().string();
  return ends_with(name, ".yaml") && !ends_with(name, kTestSuffix);
}

// Expands the command line into policy files: directories recursively (sorted, so the order is
// stable), `x.test.yaml` to its policy `x.yaml`. False (with a message) for a path that is not there.
bool collect_policies(const std::vector<std::string>& paths, std::vector<std::string>& policies) {
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      std::fprintf(stderr, "admit test: error: %s: no such file or directory\n", path.c_str());
      return false;
    }
    if (fs::is_directory(status)) {
      std::vector<std::string> found;
      fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        std::error_code file_ec;
        if (it->is_regular_file(file_ec) && is_policy_file(it->path())) found.push_back(it->path().string());
      }
      if (ec) {
        std::fprintf(stderr, "admit test: error: %s: %s\n", path.c_str(), ec.message().c_str());
        return false;
      }
      std::sort(found.begin(), found.end());
      policies.insert(policies.end(), found.begin(), found.end());
    } else if (ends_with(path, kTestSuffix)) {
      std::string policy = path.substr(0, path.size() - kTestSuffix.size()) + ".yaml";
      if (!fs::exists(policy, ec)) {
        std::fprintf(stderr, "admit test: error: %s: no policy %s next to it\n", path.c_str(), policy.c_str());
        return false;
      }
      policies.push_back(std::move(policy));
    } else {
      policies.push_back(path);
    }
  }
  // The same policy named twice (a file and its directory) runs once.
  std::vector<std::string> unique;
  for (std::string& p : policies) {
    const bool seen = std::any_of(unique.begin(), unique.end(), [&](const std::string& u) {
      std::error_code ec;
      return u == p || fs::equivalent(u, p, ec);
    });
    if (!seen) unique.push_back(std::move(p));
  }
  policies = std::move(unique);
  return true;
}

// Why the decision was what it was: the eligibility and group conditions from a traced evaluation.
std::string trace_lines(const Policy& policy, const Applicant& applicant) {
  Decision traced;
  policy.evaluate_with_trace(applicant, traced);
  std::string out;
  for (const TraceEntry& t : traced.trace()) {
    if (t.kind != TraceKind::eligibility && t.kind != TraceKind::group) continue;
    out += fmt::format("    trace: {} -> {}", t.subject, t.result ? "true" : "false");
    if (!t.expression.empty()) out += fmt::format(" `{}`", t.expression);
    if (!t.values_seen.empty()) out += fmt::format(" [{}]", t.values_seen);
    if (!t.location.empty()) out += fmt::format(" at {}", t.location);
    out.push_back('\n');
  }
  return mask_ids_in_text(out);
}

std::string location_of(const PolicyTest& test, const std::string& policy_file) {
  const std::string& file = test.file.empty() ? policy_file : test.file;
  return test.line == 0 ? file : fmt::format("{}:{}", file, test.line);
}

}  // namespace

int run_test(const TestOptions& options) {
  std::optional<std::regex> filter;
  if (!options.run_regex.empty()) {
    try {
      filter.emplace(options.run_regex, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      std::fprintf(stderr, "admit test: error: --run: invalid regular expression `%s`: %s\n",
                   options.run_regex.c_str(), e.what());
      return kExitUsage;
    }
  }
  std::vector<std::string> policies;
  if (!collect_policies(options.paths, policies)) return kExitUsage;

  const bool color = use_color(options.color, STDOUT_FILENO);
  const Style style{color};
  const RenderOptions render{color};
  std::size_t passed = 0;
  std::size_t failed = 0;
  std::string out;
  for (const std::string& file : policies) {
    const CompileResult compiled = compile_file(file);
    if (!compiled.ok()) {
      out += render_text(compiled.diagnostics, render);
      out += fmt::format("{} {}: the policy has errors\n", style.red("FAIL"), file);
      ++failed;
      std::fputs(out.c_str(), stdout);
      out.clear();
      continue;
    }
    const Policy& policy = *compiled.policy;
    Applicant applicant(policy);
    Context context(policy);
    Decision decision;
    TestCoverage coverage(policy);
    std::size_t ran = 0;
    for (const PolicyTest& test : policy.tests()) {
      if (filter && !std::regex_search(test.name, *filter)) continue;
      ++ran;
      const TestCaseResult result = run_test_case(policy, test, context, applicant, decision);
      if (result.evaluated) coverage.record(decision);
      const std::vector<std::string>& problems = result.problems;
      const bool want_trace = result.decision_wrong;
      if (problems.empty()) {
        ++passed;
        if (options.verbose) out += fmt::format("{} {} {}\n", style.green("PASS"), location_of(test, file), test.name);
      } else {
        ++failed;
        out += fmt::format("{} {} {}\n", style.red("FAIL"), location_of(test, file), test.name);
        for (const std::string& p : problems) out += fmt::format("    {}\n", p);
        if (want_trace && bind_test_case(test, context, applicant)) out += trace_lines(policy, applicant);
      }
    }
    if ((options.coverage || options.require_coverage) && ran != 0) {
      const std::vector<std::string> gaps = coverage.gaps();
      if (options.coverage) out += fmt::format("coverage {}: {}\n", file, coverage.summary());
      for (const std::string& gap : gaps) out += fmt::format("    not covered: {}\n", gap);
      if (options.require_coverage && !gaps.empty()) {
        out += fmt::format("{} {}: {} not covered by its tests\n", style.red("FAIL"), file,
                           gaps.size() == 1 ? "1 rule is" : fmt::format("{} rules are", gaps.size()));
        ++failed;
      }
    }
    std::fputs(out.c_str(), stdout);
    out.clear();
  }
  std::printf("%zu passed, %zu failed\n", passed, failed);
  if (std::fflush(stdout) != 0) return kExitUsage;
  if (failed != 0) return kExitFailure;
  if (passed == 0 && options.fail_on_empty) {
    std::fputs("admit test: error: no test ran\n", stderr);
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace admit::internal::cli
