#pragma once
// Test cases of a policy: `tests:` in the rule file, or a sibling `<name>.test.yaml`.

#include <string>
#include <vector>
#include <yaml-cpp/yaml.h>

#include "policy/compiled_policy.hpp"
#include "policy/yaml_util.hpp"

namespace admit::internal {

class TestLoader {
 public:
  TestLoader(DiagnosticSink& sink, YamlReader& yaml, CompiledPolicy& policy) : sink_(sink), yaml_(yaml), policy_(policy) {}
  /// Reads a `tests:` list of the rule file itself.
  void load(const YAML::Node& tests, const std::string& file);
  /// Reads a sibling test file (its own diagnostics are kept in diagnostics()).
  void load_file(const std::string& path, const CompileLimits& limits);
  std::vector<Diagnostic>& diagnostics() { return extra_; }
  std::size_t max_tests = 100000;

 private:
  void load_list(const YAML::Node& tests, const std::string& file, YamlReader& yaml, const YAML::Node& context);
  DiagnosticSink& sink_;
  YamlReader& yaml_;
  CompiledPolicy& policy_;
  std::vector<Diagnostic> extra_;
};

}  // namespace admit::internal
