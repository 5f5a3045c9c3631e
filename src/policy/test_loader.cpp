#include "policy/test_loader.hpp"

#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <sstream>

namespace admit::internal {

void TestLoader::load(const YAML::Node& tests, const std::string& file) {
  if (!tests) return;
  load_list(tests, file, yaml_, YAML::Node());
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
  YamlReader yaml(sink, limits.max_yaml_depth);
  YAML::Node root;
  if (yaml.load(source.text(), root)) {
    if (!root.IsMap()) {
      sink.error("schema", "a test file must be a mapping with `tests:`", 0, 1);
    } else {
      yaml.check_keys(root, {"context", "tests"}, "a test file");
      const YAML::Node context = root["context"];
      if (context && !yaml.expect_map(context, "`context` (the evaluation context of every test)")) return;
      if (yaml.required(root, root["tests"], "tests")) load_list(root["tests"], path, yaml, context);
    }
  }
  for (auto& d : sink.diagnostics()) extra_.push_back(std::move(d));
}

namespace {

// The file's context with a test's own values over it, key by key (namespaces recursively).
YAML::Node merge_context(const YAML::Node& file_context, const YAML::Node& own) {
  YAML::Node merged = file_context && file_context.IsMap() ? YAML::Clone(file_context) : YAML::Node(YAML::NodeType::Map);
  std::function<void(YAML::Node, const YAML::Node&)> put = [&](YAML::Node into, const YAML::Node& from) {
    for (auto it = from.begin(); it != from.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (it->second.IsMap() && into[key] && into[key].IsMap()) {
        put(into[key], it->second);
      } else {
        into[key] = it->second;
      }
    }
  };
  if (own && own.IsMap()) put(merged, own);
  return merged;
}

}  // namespace

void TestLoader::load_list(const YAML::Node& tests, const std::string& file, YamlReader& yaml,
                           const YAML::Node& context) {
  if (!yaml.expect_sequence(tests, "`tests`")) return;
  const auto& source = yaml.sink().source();
  for (const auto& t : tests) {
    if (policy_.tests.size() >= max_tests) {
      yaml.error(t, "limit", fmt::format("more than {} test cases", max_tests));
      return;
    }
    if (!yaml.expect_map(t, "a test case")) continue;
    yaml.check_keys(t, {"name", "context", "applicant", "expect", "notes"}, "a test case");
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
    if (auto own = t["context"]; (own && yaml.expect_map(own, "`context`")) || (context && context.IsMap())) {
      if (!yaml_to_json(merge_context(context, own), test.context_json, 32))
        yaml.error(own ? own : static_cast<const YAML::Node&>(t), "limit", "the context must be plain mappings and values (nesting at most 32)");
    }
    auto expect = t["expect"];
    if (!yaml.required(t, expect, "expect") || !yaml.expect_map(expect, "`expect`")) continue;
    yaml.check_keys(expect, {"eligible", "group", "points", "breakdown", "missing", "sort_key", "error"}, "`expect`");
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
    if (auto k = expect["sort_key"]; k && yaml.expect_sequence(k, "`sort_key` (the rank, then each key's value)")) {
      std::vector<std::string> values;
      for (const auto& v : k)
        if (yaml.expect_scalar(v, "a sort key value")) values.push_back(v.Scalar());
      test.sort_key = std::move(values);
    }
    if (auto e = expect["error"]; e && yaml.expect_scalar(e, "the expected error text")) test.error_contains = e.Scalar();
    policy_.tests.push_back(std::move(test));
  }
}

}  // namespace admit::internal
