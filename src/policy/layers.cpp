#include "policy/layers.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <sstream>

#include "util/did_you_mean.hpp"

namespace admit::internal {
namespace {

constexpr std::size_t kMaxChain = 16;
constexpr std::size_t kMaxFiles = 64;

bool is_true(const YAML::Node& n) { return n && n.IsScalar() && n.Scalar() == "true"; }

// A mapping without `type:` is a namespace of facts; with it, a declaration.
bool is_namespace(const YAML::Node& n) { return n.IsMap() && !n["type"]; }

// Replaces (or adds) a key of a mapping with the overlay's value, keeping the overlay's positions.
// An existing key keeps its place. (YAML::Node's operator= on a bound node shares the right-hand
// node's data, which is what replacing in place means here; elsewhere nodes are only copied as
// handles, by construction.)
// A lookup that never inserts: yaml-cpp's non-const operator[] adds an undefined entry for a
// missing key, which a later force_insert would then duplicate.
YAML::Node get(const YAML::Node& map, const std::string& key) { return map[key]; }

void put(YAML::Node map, const YAML::Node& key, const YAML::Node& value) {
  if (YAML::Node slot = get(map, key.Scalar())) {
    slot = value;
  } else {
    map.force_insert(key, value);
  }
}

std::string normalize(const std::string& including_file, const std::string& relative) {
  namespace fs = std::filesystem;
  fs::path p(relative);
  if (p.is_relative()) p = fs::path(including_file).parent_path() / p;
  return p.lexically_normal().generic_string();
}

}  // namespace

bool LayerResolver::read_text(const std::string& path, std::string& text, std::string& error) const {
  for (const auto& [name, contents] : options_.files) {
    if (std::filesystem::path(name).lexically_normal().generic_string() == path) {
      text = contents;
      return true;
    }
  }
  if (!options_.read_bases_from_disk) {
    error = "it is not among the files given to the compiler (reading bases from the disk is off)";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open it";
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return true;
}

YAML::Node LayerResolver::resolve(YAML::Node root, std::string path) {
  // `path` is a copy: the caller's string may live in the source's file table, which grows as
  // bases are appended.
  std::vector<std::string> chain{std::filesystem::path(path).lexically_normal().generic_string()};
  return resolve_layer(std::move(root), path, chain);
}

YAML::Node LayerResolver::resolve_layer(YAML::Node root, const std::string& path, std::vector<std::string>& chain) {
  if (!root.IsMap()) return root;
  const YAML::Node extends = get(root, "extends");
  if (!extends) return root;
  std::vector<YAML::Node> names;
  if (extends.IsScalar()) {
    names.push_back(extends);
  } else if (extends.IsSequence() && extends.size() > 0) {
    for (const auto& n : extends) {
      if (yaml_.expect_scalar(n, "a file path")) names.push_back(n);
    }
  } else {
    yaml_.error(extends, "schema", "`extends` must be a file path or a non-empty list of file paths");
    return root;
  }
  std::optional<YAML::Node> merged;
  for (const auto& name : names) {
    auto base = load_base(name, normalize(path, name.Scalar()), chain);
    if (!base) continue;
    if (merged) {
      merge_root(*merged, *base);
    } else {
      merged.emplace(*base);
    }
  }
  if (!merged) {
    root.remove("extends");
    return root;
  }
  merge_root(*merged, root);
  return *merged;
}

std::optional<YAML::Node> LayerResolver::load_base(const YAML::Node& at, const std::string& path,
                                                   std::vector<std::string>& chain) {
  if (std::find(chain.begin(), chain.end(), path) != chain.end()) {
    std::string cycle;
    for (const auto& f : chain) cycle += f + " -> ";
    yaml_.error(at, "extends-cycle", fmt::format("`extends` makes a cycle: {}{}", cycle, path)).help =
        "a file cannot extend itself, directly or through its bases";
    return std::nullopt;
  }
  if (chain.size() >= kMaxChain || bases_.size() >= kMaxFiles) {
    yaml_.error(at, "limit",
                fmt::format("too many layers: at most {} files deep and {} files in all", kMaxChain, kMaxFiles));
    return std::nullopt;
  }
  std::string text, error;
  if (!read_text(path, text, error)) {
    yaml_.error(at, "io", fmt::format("cannot read the base file `{}`: {}", path, error)).help =
        "`extends` paths are relative to the file that names them";
    return std::nullopt;
  }
  if (text.size() > options_.limits.max_file_bytes) {
    yaml_.error(at, "limit",
                fmt::format("the base file `{}` is {} bytes; the limit is {}", path, text.size(),
                            options_.limits.max_file_bytes));
    return std::nullopt;
  }
  if (std::string_view(text).starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  bases_.push_back(path);
  source_.append(path, text);
  YAML::Node root;
  if (!yaml_.load_appended(source_.files().back(), root)) return std::nullopt;
  if (!root.IsMap()) {
    yaml_.error(root, "schema", fmt::format("the base file `{}` must be a YAML mapping like a policy", path));
    return std::nullopt;
  }
  if (auto v = get(root, "admit"); !v || !v.IsScalar() || v.Scalar() != "1") {
    yaml_.error(v ? v : at, "schema", fmt::format("the base file `{}` must start with `admit: 1`", path));
    return std::nullopt;
  }
  chain.push_back(path);
  YAML::Node resolved = resolve_layer(root, path, chain);
  chain.pop_back();
  return resolved;
}

void LayerResolver::merge_root(YAML::Node base, const YAML::Node& overlay) {
  // Inherited nothing of these: each file has its own header, and a base's tests test the base.
  base.remove("extends");
  base.remove("tests");
  if (overlay["schema"] || overlay["policy"]) base.remove("schema");
  for (auto it = overlay.begin(); it != overlay.end(); ++it) {
    const YAML::Node key = it->first;  // copies: `it->` yields a temporary
    const YAML::Node value = it->second;
    if (!key.IsScalar()) continue;
    const std::string& name = key.Scalar();
    YAML::Node mine = get(base, name);
    if (name == "extends") continue;
    if (!mine || mine.IsNull() || value.IsNull()) {
      if (!value.IsNull() || !mine) put(base, key, value);
      continue;
    }
    if (name == "policy" || name == "params" || name == "let") {
      if (mine.IsMap() && value.IsMap()) {
        merge_mapping_keys(mine, value);
        continue;
      }
    } else if (name == "facts" || name == "context") {
      if (mine.IsMap() && value.IsMap()) {
        merge_namespace(mine, value);
        continue;
      }
    } else if (name == "certificates") {
      if (mine.IsMap() && value.IsMap()) {
        merge_certificates(mine, value);
        continue;
      }
    } else if (name == "points") {
      if (mine.IsMap() && value.IsMap()) {
        merge_points(mine, value);
        continue;
      }
    } else if (name == "eligibility" || name == "groups" || name == "tie_break") {
      const char* what = name == "groups" ? "group" : name == "eligibility" ? "eligibility check" : "tie-break key";
      put(base, key, merge_list(mine, value, "id", what));
      continue;
    }
    put(base, key, value);  // admit, schema, lint, tests, and anything the compiler will judge
  }
}

void LayerResolver::merge_mapping_keys(YAML::Node base, const YAML::Node& overlay) {
  for (auto it = overlay.begin(); it != overlay.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    // An existing name is replaced in place, so a replaced let stays before the lets that use it.
    put(base, it->first, it->second);
  }
}

void LayerResolver::merge_namespace(YAML::Node base, const YAML::Node& overlay) {
  for (auto it = overlay.begin(); it != overlay.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& name = it->first.Scalar();
    YAML::Node mine = get(base, name);
    if (!mine) {
      base.force_insert(it->first, it->second);
    } else if (is_namespace(mine) && is_namespace(it->second)) {
      merge_namespace(mine, it->second);
    } else {
      yaml_.error(it->first, "redeclared-fact",
                  fmt::format("`{}` is already declared by a base file ({})", name,
                              source_.file_at(yaml_.offset(mine)).name))
          .help = "facts belong to the versioned applicant schema: read the base's fact, or declare a new name";
    }
  }
}

void LayerResolver::merge_certificates(YAML::Node base, const YAML::Node& overlay) {
  for (auto it = overlay.begin(); it != overlay.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& id = it->first.Scalar();
    YAML::Node mine = get(base, id);
    const YAML::Node value = it->second;
    if (!mine || !mine.IsMap() || !value.IsMap()) {
      if (!mine || !value.IsNull()) put(base, it->first, value);
      continue;
    }
    merge_keys(mine, value, "substitutes", "substitute");
  }
}

void LayerResolver::merge_points(YAML::Node base, const YAML::Node& overlay) {
  merge_keys(base, overlay, "items", "points item");
}

void LayerResolver::merge_keys(YAML::Node base, const YAML::Node& overlay, const char* list_key, const char* what) {
  for (auto it = overlay.begin(); it != overlay.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& key = it->first.Scalar();
    if (it->second.IsNull()) {
      base.remove(key);
    } else if (key == list_key && get(base, key)) {
      put(base, it->first, merge_list(get(base, key), it->second, "id", what));
    } else {
      put(base, it->first, it->second);
    }
  }
}

YAML::Node LayerResolver::merge_list(const YAML::Node& base, const YAML::Node& overlay, const char* key,
                                     const char* what) {
  if (!base.IsSequence() || !overlay.IsSequence()) return overlay;
  const bool by_certificate = std::string_view(key) == "certificate";
  auto id_of = [&](const YAML::Node& n) -> std::optional<std::string> {
    if (by_certificate && n.IsScalar()) return n.Scalar();
    if (n.IsMap() && n[key] && n[key].IsScalar()) return n[key].Scalar();
    return std::nullopt;
  };
  // Handles, not nodes: assigning a bound YAML::Node would overwrite the node it refers to.
  std::vector<std::unique_ptr<YAML::Node>> items;
  for (YAML::const_iterator it = base.begin(); it != base.end(); ++it) items.push_back(std::make_unique<YAML::Node>(*it));
  auto find = [&](const std::string& id) -> std::ptrdiff_t {
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (id_of(*items[i]) == id) return static_cast<std::ptrdiff_t>(i);
    }
    return -1;
  };
  auto unknown = [&](const YAML::Node& at, const std::string& id, std::string_view action) {
    std::vector<std::string> ids;
    for (const auto& item : items) {
      if (auto i = id_of(*item)) ids.push_back(*i);
    }
    std::vector<std::string_view> views(ids.begin(), ids.end());
    auto& d = yaml_.error(at, "unknown-base-item", fmt::format("no {} `{}` in the base {}", what, id, action));
    if (auto s = did_you_mean(id, views); !s.empty()) d.help = fmt::format("did you mean `{}`?", s);
  };

  for (YAML::const_iterator c = overlay.begin(); c != overlay.end(); ++c) {
    const YAML::Node change = *c;
    const auto id = id_of(change);
    if (!id) {
      items.push_back(std::make_unique<YAML::Node>(change));  // the compiler reports the missing id
      continue;
    }
    const YAML::Node at = change.IsMap() ? change[key] : change;
    const std::ptrdiff_t index = find(*id);
    if (change.IsMap() && is_true(change["remove"])) {
      if (index < 0) {
        unknown(at, *id, "to remove");
      } else {
        items.erase(items.begin() + index);
      }
      continue;
    }
    const YAML::Node before = change.IsMap() ? change["before"] : YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node after = change.IsMap() ? change["after"] : YAML::Node(YAML::NodeType::Undefined);
    std::unique_ptr<YAML::Node> item;
    if (index >= 0) {
      if (items[static_cast<std::size_t>(index)]->IsMap() && change.IsMap()) {
        edit_item(*items[static_cast<std::size_t>(index)], change, key);
      } else {
        // A plain item (`- deed`) replaced by a mapping: the merge keys are not part of the item.
        items[static_cast<std::size_t>(index)] = std::make_unique<YAML::Node>(change);
        if (change.IsMap()) {
          YAML::Node replaced = change;
          replaced.remove("before");
          replaced.remove("after");
        }
      }
      if (!before && !after) continue;
      item = std::move(items[static_cast<std::size_t>(index)]);
      items.erase(items.begin() + index);
    } else {
      // A new id one typo away from a base id is most likely a failed edit of that item.
      std::vector<std::string> ids;
      for (const auto& existing : items)
        if (auto i = id_of(*existing)) ids.push_back(*i);
      std::vector<std::string_view> views(ids.begin(), ids.end());
      // Two edits at most: ids that merely share a stem (`hukou_property_apart`) are new on purpose.
      if (auto near = did_you_mean(*id, views); !near.empty() && edit_distance(*id, near) <= 2) {
        yaml_.warning(at, "similar-base-item",
                      fmt::format("{} `{}` is not in the base, so it is added as a new one", what, *id))
            .help = fmt::format("to edit the base's {}, write its id: `{}`", what, near);
      }
      item = std::make_unique<YAML::Node>(change);
      if (item->IsMap()) {
        item->remove("before");
        item->remove("after");
      }
    }
    const YAML::Node anchor = before ? before : after;
    std::ptrdiff_t place = static_cast<std::ptrdiff_t>(items.size());
    if (anchor) {
      if (!yaml_.expect_scalar(anchor, "an id")) continue;
      const std::ptrdiff_t target = find(anchor.Scalar());
      if (target < 0) {
        unknown(anchor, anchor.Scalar(), before ? "to place this item before" : "to place this item after");
      } else {
        place = before ? target : target + 1;
      }
    }
    items.insert(items.begin() + place, std::move(item));
  }
  YAML::Node merged(YAML::NodeType::Sequence);
  for (const auto& item : items) merged.push_back(*item);
  return merged;
}

void LayerResolver::edit_item(YAML::Node item, const YAML::Node& overlay, const char* key) {
  for (auto it = overlay.begin(); it != overlay.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& name = it->first.Scalar();
    if (name == key || name == "before" || name == "after" || name == "remove") continue;
    YAML::Node mine = get(item, name);
    if (it->second.IsNull()) {
      item.remove(name);
    } else if (mine && name == "requires") {
      put(item, it->first, merge_list(mine, it->second, "certificate", "requirement"));
    } else if (mine && (name == "tie_break" || name == "substitutes")) {
      put(item, it->first, merge_list(mine, it->second, "id", name == "tie_break" ? "tie-break key" : "substitute"));
    } else {
      put(item, it->first, it->second);
    }
  }
}

std::string emit_yaml(const YAML::Node& root) {
  YAML::Emitter out;
  out.SetIndent(2);
  out << root;
  std::string text = out.c_str();
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

}  // namespace admit::internal
