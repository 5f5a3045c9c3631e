#include "policy/test_loader.hpp"

#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace admit::internal {

void TestLoader::load(const YAML::Node& tests, const std::string& file) {
  if (!tests) return;
  load_list(tests, file, yaml_);
}

void TestLoader::load_file(const std::string& path, const CompileLimits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Diagnostic d;
    d.code = "io";
    d.file = path;
    d.message = "cannot open the test file";
    extra_.push_back(std::move(d));
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  SourceFile source(path, text.str());
  DiagnosticSink sink(source);
  YamlReader yaml(sink, source.text(), limits.max_yaml_depth);
  YAML::Node root;
  if (yaml.load(source.text(), root)) {
    if (!root.IsMap()) {
      sink.error("schema", "a test file must be a mapping with `tests:`", 0, 1);
    } else {
      yaml.check_keys(root, {"tests"}, "a test file");
      if (yaml.required(root, root["tests"], "tests")) load_list(root["tests"], path, yaml);
    }
  }
  for (auto& d : sink.diagnostics()) extra_.push_back(std::move(d));
}

void TestLoader::load_list(const YAML::Node& tests, const std::string& file, YamlReader& yaml) {
  if (!yaml.expect_sequence(tests, "`tests`")) return;
  const auto& source = yaml.sink().source();
  for (const auto& t : tests) {
    if (policy_.tests.size() >= max_tests) {
      yaml.error(t, "limit", fmt::format("more than {} test cases", max_tests));
      return;
    }
    if (!yaml.expect_map(t, "a test case")) continue;
    yaml.check_keys(t, {"name", "applicant", "expect", "notes"}, "a test case");
    PolicyTest test;
    test.file = file;
    test.line = source.position_of(yaml.offset(t)).line;
    if (auto n = t["name"]; yaml.required(t, n, "name") && yaml.expect_scalar(n, "a test name")) test.name = n.Scalar();
    auto applicant = t["applicant"];
    if (yaml.required(t, applicant, "applicant") && yaml.expect_map(applicant, "the applicant")) {
      if (!yaml_to_json(applicant, test.applicant_json, 32))
        yaml.error(applicant, "limit",
                   "the applicant must be plain mappings, lists and values (nesting at most 32, 100000 values in all)");
    }
    auto expect = t["expect"];
    if (!yaml.required(t, expect, "expect") || !yaml.expect_map(expect, "`expect`")) continue;
    yaml.check_keys(expect, {"eligible", "group", "points", "breakdown", "missing", "error"}, "`expect`");
    if (auto e = expect["eligible"]; e && yaml.expect_scalar(e, "true or false")) {
      if (e.Scalar() == "true" || e.Scalar() == "false")
        test.eligible = e.Scalar() == "true";
      else
        yaml.error(e, "type-mismatch", "`eligible` must be true or false");
    }
    if (auto g = expect["group"]; g && yaml.expect_scalar(g, "a group id")) {
      bool known = g.Scalar().empty() || g.Scalar() == "none";
      for (const auto& info : policy_.group_infos) known = known || info.id == g.Scalar();
      for (const auto& info : policy_.check_infos) known = known || info.id == g.Scalar();
      if (!known) yaml.error(g, "unknown-group", fmt::format("no group or eligibility check is called `{}`", g.Scalar()));
      test.group = g.Scalar() == "none" ? std::string() : g.Scalar();
    }
    if (auto p = expect["points"]) test.points = yaml.decimal(p, "the expected points");
    if (auto b = expect["breakdown"]; b && yaml.expect_map(b, "`breakdown`")) {
      for (const auto& kv : b) {
        if (!yaml.expect_scalar(kv.first, "a points item id")) continue;
        bool known = false;
        for (const auto& info : policy_.points_infos) known = known || info.id == kv.first.Scalar();
        if (!known) {
          yaml.error(kv.first, "unknown-points-item", fmt::format("no points item is called `{}`", kv.first.Scalar()));
          continue;
        }
        if (auto v = yaml.decimal(kv.second, "an expected value")) test.breakdown.emplace_back(kv.first.Scalar(), *v);
      }
    }
    if (auto m = expect["missing"]; m && yaml.expect_sequence(m, "`missing`")) {
      std::vector<std::string> ids;
      for (const auto& c : m) {
        if (!yaml.expect_scalar(c, "a certificate id")) continue;
        if (!policy_.certificate_by_id.count(c.Scalar()))
          yaml.error(c, "unknown-certificate", fmt::format("unknown certificate `{}`", c.Scalar()));
        ids.push_back(c.Scalar());
      }
      test.missing = std::move(ids);
    }
    if (auto e = expect["error"]; e && yaml.expect_scalar(e, "the expected error text")) test.error_contains = e.Scalar();
    policy_.tests.push_back(std::move(test));
  }
}

}  // namespace admit::internal
