#pragma once
// Policy layers (docs/policy-layers.md): a rule file `extends:` baselines and fragments, which are
// loaded into the same SourceFile and merged under it, section by section, before compiling.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>
#include <yaml-cpp/yaml.h>

#include "admit/policy.hpp"
#include "policy/yaml_util.hpp"

namespace admit::internal {

class LayerResolver {
 public:
  LayerResolver(SourceFile& source, YamlReader& yaml, const CompileOptions& options)
      : source_(source), yaml_(yaml), options_(options) {}

  /// Merges the files `root` extends (recursively) under it; `root` is returned unchanged when it
  /// extends nothing. `path` is the rule file's name, which relative `extends:` paths start from.
  /// Errors are reported to the reader's sink; the result is then still a best-effort tree.
  YAML::Node resolve(YAML::Node root, std::string path);

  /// The files loaded, in load order, without the rule file itself.
  const std::vector<std::string>& bases() const noexcept { return bases_; }

 private:
  YAML::Node resolve_layer(YAML::Node root, const std::string& path, std::vector<std::string>& chain);
  std::optional<YAML::Node> load_base(const YAML::Node& at, const std::string& path, std::vector<std::string>& chain);
  bool read_text(const std::string& path, std::string& text, std::string& error) const;

  void merge_root(YAML::Node base, const YAML::Node& overlay);
  void merge_mapping_keys(YAML::Node base, const YAML::Node& overlay);
  void merge_namespace(YAML::Node base, const YAML::Node& overlay);
  void merge_certificates(YAML::Node base, const YAML::Node& overlay);
  void merge_points(YAML::Node base, const YAML::Node& overlay);
  /// Key by key: `null` removes a key, `list_key` merges as a keyed list, others replace.
  void merge_keys(YAML::Node base, const YAML::Node& overlay, const char* list_key, const char* what);
  /// Keyed lists: edits by id, `remove: true`, `before:` / `after:`.
  YAML::Node merge_list(const YAML::Node& base, const YAML::Node& overlay, const char* key, const char* what);
  void edit_item(YAML::Node item, const YAML::Node& overlay, const char* key);

  SourceFile& source_;
  YamlReader& yaml_;
  const CompileOptions& options_;
  std::vector<std::string> bases_;
};

/// A YAML document of the merged tree (`admit check --resolved`).
std::string emit_yaml(const YAML::Node& root);

}  // namespace admit::internal
