#include "policy/yaml_util.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>
#include <unordered_set>
#include <vector>

#include "json/json_writer.hpp"
#include "util/did_you_mean.hpp"
#include "yaml/scalar_map.hpp"

namespace admit::internal {
struct YamlMarkShift {};
}  // namespace admit::internal

// yaml-cpp has no public way to set a node's position; every specialisation of YAML::as_if is a
// friend of YAML::Node, so this one may reach the node's mark.
template <>
struct YAML::as_if<admit::internal::YamlMarkShift, int> {
  /// Adds `delta` to the position of every node reachable from `root` (map keys too), each once:
  /// aliases share nodes, and walking them as a tree could take exponential time.
  static void shift(const YAML::Node& root, int delta) {
    std::unordered_set<const void*> seen;
    std::vector<YAML::Node> stack{root};
    while (!stack.empty()) {
      YAML::Node node = std::move(stack.back());
      stack.pop_back();
      if (!node.m_pNode || !seen.insert(node.m_pNode->ref()).second) continue;
      YAML::Mark mark = node.m_pNode->mark();
      if (!mark.is_null() && mark.pos >= 0) {
        mark.pos += delta;
        node.m_pNode->set_mark(mark);
      }
      if (node.IsMap()) {
        for (auto it = node.begin(); it != node.end(); ++it) {
          stack.push_back(it->first);
          stack.push_back(it->second);
        }
      } else if (node.IsSequence()) {
        for (auto it = node.begin(); it != node.end(); ++it) stack.push_back(*it);
      }
    }
  }
};

namespace admit::internal {
namespace {

// yaml-cpp recurses once per nesting level; refuse absurd nesting before handing it the text.
std::optional<std::size_t> too_deep(std::string_view text, std::uint32_t max_depth) {
  std::uint32_t depth = 0;
  char quote = 0;
  bool comment = false;
  std::size_t line_start = 0;
  bool in_indent = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      comment = false;
      line_start = i + 1;
      in_indent = true;
      if (quote == '\'') continue;
      continue;
    }
    if (in_indent) {
      if (c == ' ') {
        if (i - line_start > 4u * max_depth) return i;
        continue;
      }
      in_indent = false;
    }
    if (comment) continue;
    if (quote) {
      if (c == '\\' && quote == '"') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) comment = true;
    else if (c == '"' || c == '\'') {
      if (i == 0 || std::string_view(" \t[{,:-").find(text[i - 1]) != std::string_view::npos) quote = c;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

}  // namespace

bool YamlReader::load(const std::string& text, YAML::Node& out) { return parse(text, 0, out); }

bool YamlReader::load_appended(const SourceFile::File& file, YAML::Node& out) {
  return parse(sink_.source().file_text(file), file.begin, out);
}

bool YamlReader::parse(std::string_view text, std::size_t base, YAML::Node& out) {
  if (auto at = too_deep(text, max_depth_)) {
    sink_.error("limit", fmt::format("the YAML nests deeper than {} levels", max_depth_), base + *at, base + *at + 1);
    return false;
  }
  try {
    // yaml-cpp cannot be told where a text starts: an appended file is parsed alone and its nodes'
    // positions are moved by `base` afterwards. (Parsing it behind a comment line as long as the
    // files before it gave the same positions, but yaml-cpp then scanned that line character by
    // character: more than half of the compile time of a layered rule file.)
    out = YAML::Load(std::string(text));
    if (base > 0) YAML::as_if<YamlMarkShift, int>::shift(out, static_cast<int>(base));
    return true;
  } catch (const YAML::Exception& e) {
    std::size_t pos = e.mark.pos >= 0 ? base + yaml_mark_to_file_offset(text, static_cast<std::size_t>(e.mark.pos)) : base;
    if (e.mark.pos < 0 && e.mark.line >= 0) {
      // Some yaml-cpp errors carry only a line.
      const auto& file = sink_.source().file_at(base);
      pos = sink_.source().line_offset(file, static_cast<std::uint32_t>(e.mark.line + 1)) +
            static_cast<std::size_t>(std::max(0, e.mark.column));
    }
    sink_.error("yaml", fmt::format("malformed YAML: {}", e.msg), pos, pos + 1).help =
        "check indentation and quoting; an expression that starts with a quote or `[` must be quoted whole";
    return false;
  }
}

std::size_t YamlReader::offset(const YAML::Node& node) const {
  if (!node.IsDefined()) return 0;
  int pos = node.Mark().pos;
  if (pos < 0) return 0;
  return std::min(yaml_mark_to_file_offset(text(), static_cast<std::size_t>(pos)), text().size());
}

std::pair<std::size_t, std::size_t> YamlReader::span(const YAML::Node& node) const {
  std::size_t begin = offset(node);
  if (node.IsDefined() && node.IsScalar() && !node.Scalar().empty()) {
    auto map = ScalarMap::build(text(), begin, node.Scalar());
    if (map.exact()) {
      std::size_t first = map.to_file_offset(0);
      std::size_t last = map.to_file_offset(node.Scalar().size() - 1) + 1;
      std::size_t line_end = text().find('\n', first);
      if (line_end != std::string_view::npos) last = std::min(last, line_end);
      return {first, std::max(last, first + 1)};
    }
  }
  return {begin, begin + 1};
}

Diagnostic& YamlReader::error(const YAML::Node& node, std::string code, std::string message) {
  auto [b, e] = span(node);
  return sink_.error(std::move(code), std::move(message), b, e);
}

Diagnostic& YamlReader::warning(const YAML::Node& node, std::string code, std::string message) {
  auto [b, e] = span(node);
  return sink_.warning(std::move(code), std::move(message), b, e);
}

namespace {
const char* kind_name(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsScalar()) return "a value";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "something else";
}
}  // namespace

bool YamlReader::expect_scalar(const YAML::Node& node, std::string_view what) {
  if (node.IsDefined() && node.IsScalar()) return true;
  error(node, "schema", fmt::format("expected {} here, found {}", what, kind_name(node)));
  return false;
}

bool YamlReader::expect_map(const YAML::Node& node, std::string_view what) {
  if (node.IsDefined() && node.IsMap()) return true;
  error(node, "schema", fmt::format("{} must be a mapping (key: value lines), found {}", what, kind_name(node)));
  return false;
}

bool YamlReader::expect_sequence(const YAML::Node& node, std::string_view what) {
  if (node.IsDefined() && node.IsSequence()) return true;
  error(node, "schema", fmt::format("{} must be a list (`- ` items or `[a, b]`), found {}", what, kind_name(node)));
  return false;
}

bool YamlReader::required(const YAML::Node& parent, const YAML::Node& node, std::string_view key) {
  if (node.IsDefined()) return true;
  error(parent, "missing-key", fmt::format("missing `{}:`", key));
  return false;
}

void YamlReader::check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed, std::string_view what) {
  if (!map.IsMap()) return;
  std::vector<std::string_view> names(allowed);
  std::set<std::string> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) {
      error(kv.first, "schema", "keys must be plain names");
      continue;
    }
    const std::string& key = kv.first.Scalar();
    if (!seen.insert(key).second) {
      error(kv.first, "duplicate-key", fmt::format("`{}` appears twice in {}", key, what)).help =
          "YAML keeps only one of them; remove or merge the other";
      continue;
    }
    if (std::find(names.begin(), names.end(), key) != names.end()) continue;
    auto& d = error(kv.first, "unknown-key", fmt::format("unknown key `{}` in {}", key, what));
    std::string s = did_you_mean(key, names);
    if (!s.empty())
      d.help = fmt::format("did you mean `{}`?", s);
    else
      d.help = fmt::format("allowed keys: {}", fmt::join(names, ", "));
  }
}

std::optional<std::int64_t> YamlReader::integer(const YAML::Node& node, std::string_view what) {
  if (!expect_scalar(node, what)) return std::nullopt;
  const std::string& s = node.Scalar();
  std::int64_t v = 0;
  bool negative = !s.empty() && s[0] == '-';
  std::size_t i = negative ? 1 : 0;
  bool ok = i < s.size();
  for (; ok && i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9' || __builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v)) ok = false;
  }
  if (!ok) {
    error(node, "type-mismatch", fmt::format("{} must be a whole number, found `{}`", what, s));
    return std::nullopt;
  }
  return negative ? -v : v;
}

std::optional<Decimal> YamlReader::decimal(const YAML::Node& node, std::string_view what) {
  if (!expect_scalar(node, what)) return std::nullopt;
  auto v = Decimal::parse(node.Scalar());
  if (!v) error(node, "type-mismatch", fmt::format("{} must be a number with at most 6 decimals, found `{}`", what, node.Scalar()));
  return v;
}

std::optional<Date> YamlReader::date(const YAML::Node& node, std::string_view what) {
  if (!expect_scalar(node, what)) return std::nullopt;
  auto v = Date::parse(node.Scalar());
  if (!v) error(node, "type-mismatch", fmt::format("{} must be a real date written YYYY-MM-DD, found `{}`", what, node.Scalar()));
  return v;
}

namespace {
// -?[0-9]+ or -?[0-9]+\.[0-9]+
bool is_yaml_number(std::string_view s) {
  if (s.starts_with('-')) s.remove_prefix(1);
  auto digits = [](std::string_view d) {
    return !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const std::size_t point = s.find('.');
  if (point == std::string_view::npos) return digits(s);
  return digits(s.substr(0, point)) && digits(s.substr(point + 1));
}

// `budget` bounds the nodes written: YAML aliases can make a small file describe an exponentially
// large tree, which must be an error, not a hang.
bool emit_json(const YAML::Node& node, JsonWriter& w, std::uint32_t depth, std::uint32_t max_depth,
               std::size_t& budget) {
  if (depth > max_depth || budget == 0) return false;
  --budget;
  if (!node.IsDefined() || node.IsNull()) {
    w.null();
    return true;
  }
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    if (node.Tag() == "!") {
      w.string(s);
    } else if (s == "true" || s == "false") {
      w.boolean(s == "true");
    } else if (s == "null" || s == "~") {
      w.null();
    } else if (is_yaml_number(s)) {
      w.raw(s);
    } else {
      w.string(s);
    }
    return true;
  }
  if (node.IsSequence()) {
    w.begin_array();
    for (const auto& item : node)
      if (!emit_json(item, w, depth + 1, max_depth, budget)) return false;
    w.end_array();
    return true;
  }
  if (node.IsMap()) {
    w.begin_object();
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) return false;
      w.key(kv.first.Scalar());
      if (!emit_json(kv.second, w, depth + 1, max_depth, budget)) return false;
    }
    w.end_object();
    return true;
  }
  return false;
}
}  // namespace

bool yaml_to_json(const YAML::Node& node, std::string& out, std::uint32_t max_depth) {
  out.clear();
  JsonWriter w(out);
  std::size_t budget = 100000;
  return emit_json(node, w, 0, max_depth, budget);
}

}  // namespace admit::internal
