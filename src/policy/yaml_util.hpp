#pragma once
// Reading rule-file YAML with positions: every accessor reports a diagnostic at the node's real
// location instead of throwing, and unknown or duplicate keys are errors with a suggestion.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <yaml-cpp/yaml.h>

#include "admit/date.hpp"
#include "admit/decimal.hpp"
#include "sema/expression_compiler.hpp"

namespace admit::internal {

class YamlReader {
 public:
  /// Node positions are offsets into the sink's source (all of a policy's files).
  YamlReader(DiagnosticSink& sink, std::uint32_t max_depth) : sink_(sink), max_depth_(max_depth) {}

  /// Parses the text; malformed YAML becomes a diagnostic (false).
  bool load(const std::string& text, YAML::Node& out);
  /// Parses a file appended to the sink's source after the first; its nodes' positions are offsets
  /// in the whole source, so diagnostics name that file.
  bool load_appended(const SourceFile::File& file, YAML::Node& out);

  std::size_t offset(const YAML::Node& node) const;
  Diagnostic& error(const YAML::Node& node, std::string code, std::string message);
  Diagnostic& warning(const YAML::Node& node, std::string code, std::string message);

  bool expect_scalar(const YAML::Node& node, std::string_view what);
  bool expect_map(const YAML::Node& node, std::string_view what);
  bool expect_sequence(const YAML::Node& node, std::string_view what);
  /// Reports `key` missing from `parent` when `node` is undefined.
  bool required(const YAML::Node& parent, const YAML::Node& node, std::string_view key);
  /// Unknown keys (with "did you mean") and duplicate keys are errors.
  void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed, std::string_view what);

  std::optional<std::int64_t> integer(const YAML::Node& node, std::string_view what);
  std::optional<Decimal> decimal(const YAML::Node& node, std::string_view what);
  std::optional<Date> date(const YAML::Node& node, std::string_view what);

  DiagnosticSink& sink() { return sink_; }

 private:
  std::pair<std::size_t, std::size_t> span(const YAML::Node& node) const;
  std::string_view text() const { return sink_.source().text(); }
  bool parse(std::string_view text, std::size_t base, YAML::Node& out);
  DiagnosticSink& sink_;
  std::uint32_t max_depth_;
};

/// Converts a YAML node (an applicant in a test case) into JSON text. Plain scalars are typed like
/// YAML 1.2 core (true/false, null, integers, decimals); quoted scalars are strings.
bool yaml_to_json(const YAML::Node& node, std::string& out, std::uint32_t max_depth);

}  // namespace admit::internal
