// The compile driver: rule file -> CompiledPolicy, reporting every problem it can find in one run.

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>
#include <yaml-cpp/yaml.h>

#include "admit/policy.hpp"
#include "expr/parse.hpp"
#include "policy/compiled_policy.hpp"
#include "policy/layers.hpp"
#include "policy/test_loader.hpp"
#include "policy/yaml_util.hpp"
#include "sema/expression_compiler.hpp"
#include "util/did_you_mean.hpp"

namespace admit {
namespace internal {
namespace {

// [A-Za-z][A-Za-z0-9_]* (by hand: std::regex took a tenth of the compile time of a layered file).
bool is_id(std::string_view id) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (id.empty() || !letter(id[0])) return false;
  return std::all_of(id.begin() + 1, id.end(), [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '_'; });
}

const std::vector<std::string_view> kCertificateCategories = {
    "identity", "hukou", "property", "residence", "employment", "social_insurance",
    "preferential", "kinship", "education", "health", "other"};
const std::vector<std::string_view> kPointsKinds = {"hukou_type", "residence", "employment", "property_type", "bonus", "other"};
const std::vector<std::string_view> kLints = {"shandong"};
// Shandong: points may only score these (provincial rule), and a group asks for at most five
// categories of certificates.
const std::vector<std::string_view> kShandongPointsKinds = {"hukou_type", "residence", "employment", "property_type"};
constexpr std::size_t kShandongMaxCategories = 5;

class Compiler {
 public:
  Compiler(std::unique_ptr<CompiledPolicy> policy, const CompileOptions& options)
      : policy_(std::move(policy)),
        options_(options),
        sink_(*policy_->source),
        yaml_(sink_, options.limits.max_yaml_depth),
        exprs_(*policy_, sink_, options.limits) {}

  CompileResult run(const std::string* sibling_tests_path) {
    CompileResult result;
    const std::string& text = policy_->source->text();
    YAML::Node root;
    if (!yaml_.load(text, root)) return finish_failed();
    if (!root.IsMap()) {
      sink_.error("schema", "a policy file must be a YAML mapping with `admit:`, `policy:`, `facts:` ...", 0, 1);
      return finish_failed();
    }
    LayerResolver layers(*policy_->source, yaml_, options_);
    root = layers.resolve(root, policy_->source->name());
    if (sink_.has_errors()) return finish_failed();
    record_sources();
    if (options_.resolved_out) *options_.resolved_out = emit_yaml(root);
    if (!apply_overrides(root)) return finish_failed();
    // A fragment (`schema:` header) declares facts, context and certificates for others to extend.
    fragment_ = root["schema"] && !root["policy"];
    if (fragment_) {
      yaml_.check_keys(root, {"admit", "schema", "facts", "context", "params", "let", "certificates", "lint"},
                       "a fragment (a file with `schema:`)");
      load_schema_header(root["schema"]);
    } else {
      yaml_.check_keys(root,
                       {"admit", "extends", "policy", "facts", "context", "params", "let", "certificates",
                        "eligibility", "groups", "points", "tie_break", "lint", "tests"},
                       "a policy file");
      if (auto s = root["schema"]) yaml_.error(s, "schema", "a file has either `policy:` or `schema:` (a fragment), not both");
    }
    load_version(root);
    if (!fragment_) load_metadata(root["policy"], root);
    load_facts(root["facts"], root["context"]);
    program().fact_count = policy_->slot_count;
    load_certificate_ids(root["certificates"]);
    exprs_.set_metadata(policy_->metadata);
    load_params(root["params"]);
    load_lets(root["let"]);
    load_certificate_substitutes(root["certificates"]);
    load_eligibility(root["eligibility"]);
    if (!fragment_) load_groups(root["groups"], root);
    load_points(root["points"]);
    if (!fragment_) load_tie_breaks(root);
    load_lints(root["lint"], root);
    if (!sink_.has_errors()) {
      exprs_.finish(options_.optimize);
      if (options_.optimize) {
        build_fused_decision(*policy_);
        attach_native();
      } else if (options_.native) {
        file_diagnostic(Severity::warning, "stale-native-code",
                        "native code is not used when the optimizer is off (CompileOptions::optimize = false)");
      }
    }
    mark_read_facts();
    build_public_tables();
    TestLoader tests(sink_, yaml_, *policy_);
    tests.max_tests = options_.limits.max_tests;
    tests.load(root["tests"], policy_->source->name());
    if (sibling_tests_path && options_.load_sibling_tests) {
      std::error_code ec;
      if (std::filesystem::exists(*sibling_tests_path, ec)) tests.load_file(*sibling_tests_path, options_.limits);
    }
    result.diagnostics = std::move(sink_.diagnostics());
    for (auto& d : tests.diagnostics()) result.diagnostics.push_back(std::move(d));
    if (has_errors(result.diagnostics)) return result;
    result.policy = make_policy(std::move(policy_));
    return result;
  }

 private:
  vm::Program& program() { return policy_->program; }

  // A diagnostic about the whole file (no position): overrides and native code come from the caller.
  Diagnostic& file_diagnostic(Severity severity, std::string code, std::string message, std::string help = {}) {
    Diagnostic d;
    d.severity = severity;
    d.code = std::move(code);
    d.file = policy_->source->name();
    d.message = std::move(message);
    d.help = std::move(help);
    sink_.diagnostics().push_back(std::move(d));
    return sink_.diagnostics().back();
  }

  CompileResult finish_failed() {
    CompileResult r;
    r.diagnostics = std::move(sink_.diagnostics());
    return r;
  }

  ExpressionText expression_text(const YAML::Node& node, std::string& storage, std::unique_ptr<ScalarMap>& map) {
    storage = node.Scalar();
    map = std::make_unique<ScalarMap>(ScalarMap::build(policy_->source->text(), yaml_.offset(node), storage));
    return ExpressionText{storage, map.get()};
  }

  std::optional<CompiledExpression> compile_expression(const YAML::Node& node, Expect expect, std::string* text_out) {
    if (!yaml_.expect_scalar(node, "an expression")) return std::nullopt;
    std::string storage;
    std::unique_ptr<ScalarMap> map;
    // YAML reads `when: true` and `value: 30` as scalars too: they are expressions like any other.
    auto text = expression_text(node, storage, map);
    if (text_out) *text_out = storage;
    return exprs_.compile(text, expect);
  }

  // A scalar that must be one of a fixed set of words; "" (after a diagnostic) otherwise.
  std::string one_of(const YAML::Node& node, const std::vector<std::string_view>& allowed, std::string_view what) {
    if (!yaml_.expect_scalar(node, what)) return {};
    const std::string& v = node.Scalar();
    if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return v;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    auto& d = yaml_.error(node, "schema", fmt::format("unknown {} `{}` (expected one of: {})", what, v, list));
    if (auto s = did_you_mean(v, allowed); !s.empty()) d.help = fmt::format("did you mean `{}`?", s);
    return {};
  }

  bool valid_id(const YAML::Node& node, std::string_view what) {
    const std::string& id = node.Scalar();
    if (is_id(id)) return true;
    yaml_.error(node, "bad-id",
                fmt::format("{} `{}` must start with a letter and use only letters, digits and `_`", what, id));
    return false;
  }

  void record_sources() {
    const SourceFile& source = *policy_->source;
    for (const auto& file : source.files())
      policy_->sources.emplace_back(file.name, std::string(source.file_text(file)));
  }

  void load_schema_header(const YAML::Node& node) {
    if (!yaml_.expect_map(node, "`schema`")) return;
    yaml_.check_keys(node, {"id", "version", "title", "notes"}, "`schema`");
    if (auto id = node["id"]; yaml_.required(node, id, "id") && yaml_.expect_scalar(id, "the schema id"))
      policy_->metadata.id = id.Scalar();
    if (auto v = node["version"]; yaml_.required(node, v, "version")) yaml_.integer(v, "the schema version");
    if (auto t = node["title"]; t && yaml_.expect_scalar(t, "the title")) policy_->metadata.title = t.Scalar();
  }

  void load_version(const YAML::Node& root) {
    YAML::Node v = root["admit"];
    if (!v) {
      sink_.error("schema", "missing `admit: 1` (the format version) at the top of the file", 0, 1).help =
          "add `admit: 1` as the first line";
      return;
    }
    if (!yaml_.expect_scalar(v, "the format version")) return;
    if (v.Scalar() != "1")
      yaml_.error(v, "schema", fmt::format("unsupported format version `{}`; this admit reads version 1", v.Scalar()));
  }

  void load_metadata(const YAML::Node& node, const YAML::Node& root) {
    PolicyMetadata& m = policy_->metadata;
    if (!node) {
      yaml_.error(root, "schema", "missing `policy:` (id, title, year, grade)");
      return;
    }
    if (!yaml_.expect_map(node, "`policy`")) return;
    yaml_.check_keys(node, {"id", "title", "jurisdiction", "year", "grade", "age_cutoff", "notes"}, "`policy`");
    if (auto id = node["id"]; yaml_.required(node, id, "id") && yaml_.expect_scalar(id, "the policy id")) {
      m.id = id.Scalar();
      auto lower = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
      const bool policy_id = !m.id.empty() && lower(m.id[0]) &&
                             std::all_of(m.id.begin(), m.id.end(), [&](char c) { return lower(c) || c == '_' || c == '-'; });
      if (!policy_id)
        yaml_.error(id, "bad-id", fmt::format("policy id `{}` must use only lowercase letters, digits, `_` and `-`", m.id));
    }
    if (auto t = node["title"]; t && yaml_.expect_scalar(t, "the title")) m.title = t.Scalar();
    if (auto j = node["jurisdiction"]; j && yaml_.expect_scalar(j, "the jurisdiction")) m.jurisdiction = j.Scalar();
    if (auto y = node["year"]) {
      auto v = yaml_.integer(y, "the year");
      if (v && (*v < 2000 || *v > 2100)) yaml_.error(y, "schema", "the year must be between 2000 and 2100");
      if (v) m.year = static_cast<int>(*v);
    }
    if (auto g = node["grade"]) {
      auto v = yaml_.integer(g, "the grade");
      if (v && *v != 1 && *v != 7) yaml_.error(g, "schema", "the grade must be 1 (primary) or 7 (junior middle)");
      if (v) m.grade = static_cast<int>(*v);
    }
    if (auto c = node["age_cutoff"]) m.age_cutoff = yaml_.date(c, "the age cutoff");
  }

  // --- facts --------------------------------------------------------------------------------

  bool parse_type(const YAML::Node& node, FactType& out) {
    static const std::vector<std::pair<std::string_view, FactType>> kTypes = {
        {"bool", FactType::boolean}, {"int", FactType::integer},     {"decimal", FactType::decimal},
        {"date", FactType::date},    {"string", FactType::string},   {"enum", FactType::enumeration},
        {"resident_id", FactType::resident_id}, {"list", FactType::list}};
    if (!yaml_.expect_scalar(node, "a type")) return false;
    for (auto [name, t] : kTypes)
      if (node.Scalar() == name) {
        out = t;
        return true;
      }
    std::vector<std::string_view> names;
    for (auto [name, t] : kTypes) names.push_back(name);
    auto& d = yaml_.error(node, "unknown-type",
                          fmt::format("unknown type `{}`; use one of bool, int, decimal, date, string, enum, resident_id, list",
                                      node.Scalar()));
    std::string s = did_you_mean(node.Scalar(), names);
    if (!s.empty()) d.help = fmt::format("did you mean `{}`?", s);
    return false;
  }

  // Declares one scalar fact (top-level or list field) into `fact`. Returns false on error.
  bool declare_scalar(const std::string& path, const YAML::Node& decl, FactType type, FactDef& fact,
                      const std::string& qualified) {
    fact.path = path;
    fact.offset = yaml_.offset(decl);
    if (auto l = decl["label"]; l && yaml_.expect_scalar(l, "a label")) fact.label = l.Scalar();
    if (auto s = decl["source"]; s && yaml_.expect_scalar(s, "a data source")) fact.source = s.Scalar();
    switch (type) {
      case FactType::boolean: fact.type = Type{TypeKind::boolean}; break;
      case FactType::integer: fact.type = Type{TypeKind::integer}; break;
      case FactType::decimal: fact.type = Type{TypeKind::decimal}; break;
      case FactType::date: fact.type = Type{TypeKind::date}; break;
      case FactType::string: fact.type = Type{TypeKind::string}; break;
      case FactType::resident_id: fact.type = Type{TypeKind::string, 0, true}; break;
      case FactType::enumeration: {
        auto values = decl["values"];
        if (!values) {
          yaml_.error(decl, "schema", fmt::format("enum `{}` needs `values:` (a list, or a mapping value -> label)", path));
          return false;
        }
        EnumDef e;
        e.name = qualified;
        if (values.IsSequence()) {
          for (const auto& v : values) {
            if (!yaml_.expect_scalar(v, "an enum value") || !valid_id(v, "enum value")) return false;
            e.values.push_back(v.Scalar());
            e.labels.emplace_back();
          }
        } else if (values.IsMap()) {
          for (const auto& kv : values) {
            if (!yaml_.expect_scalar(kv.first, "an enum value") || !valid_id(kv.first, "enum value")) return false;
            e.values.push_back(kv.first.Scalar());
            e.labels.push_back(kv.second.IsScalar() ? kv.second.Scalar() : std::string());
          }
        } else {
          yaml_.error(values, "schema", "`values` must be a list or a mapping");
          return false;
        }
        if (e.values.empty()) {
          yaml_.error(values, "schema", fmt::format("enum `{}` has no values", path));
          return false;
        }
        if (e.values.size() > options_.limits.max_enum_values) {
          yaml_.error(values, "limit", fmt::format("enum `{}` has {} values; the limit is {}", path, e.values.size(),
                                                   options_.limits.max_enum_values));
          return false;
        }
        for (std::uint32_t i = 0; i < e.values.size(); ++i) {
          if (!e.index.emplace(e.values[i], i).second) {
            yaml_.error(values, "duplicate-id", fmt::format("enum `{}` lists `{}` twice", path, e.values[i]));
            return false;
          }
        }
        // Enums with the same values (and labels) are one type, so that facts sharing a value
        // list can be compared with each other (`p.owner == hukou.head_kinship`).
        for (std::uint32_t i = 0; i < policy_->enums.size(); ++i) {
          const EnumDef& other = policy_->enums[i];
          if (other.values == e.values && other.labels == e.labels) {
            fact.type = Type{TypeKind::enumeration, i};
            break;
          }
        }
        if (fact.type.kind == TypeKind::enumeration) break;
        fact.type = Type{TypeKind::enumeration, static_cast<std::uint32_t>(policy_->enums.size())};
        policy_->enums.push_back(std::move(e));
        break;
      }
      case FactType::list: break;
    }
    if (auto def = decl["default"]) {
      if (!yaml_.expect_scalar(def, "a default value")) return false;
      if (!encode_default(def, fact)) return false;
      fact.has_default = true;
    }
    return true;
  }

  bool encode_default(const YAML::Node& def, FactDef& fact) {
    const std::string& s = def.Scalar();
    switch (fact.type.kind) {
      case TypeKind::boolean:
        if (s == "true" || s == "false") {
          fact.default_slot = s == "true";
          return true;
        }
        yaml_.error(def, "type-mismatch", "the default of a bool fact must be `true` or `false`");
        return false;
      case TypeKind::integer: {
        auto v = yaml_.integer(def, "the default");
        if (!v) return false;
        fact.default_slot = *v;
        return true;
      }
      case TypeKind::decimal: {
        auto v = Decimal::parse(s);
        if (!v) {
          yaml_.error(def, "type-mismatch", fmt::format("`{}` is not a decimal (at most 6 digits after the point)", s));
          return false;
        }
        fact.default_slot = v->units();
        return true;
      }
      case TypeKind::date: {
        auto v = yaml_.date(def, "the default");
        if (!v) return false;
        fact.default_slot = v->days();
        return true;
      }
      case TypeKind::enumeration: {
        const EnumDef& e = policy_->enums[fact.type.id];
        auto it = e.index.find(s);
        if (it == e.index.end()) {
          yaml_.error(def, "unknown-enum-value",
                      fmt::format("default `{}` is not one of the values ({})", s, fmt::join(e.values, ", ")));
          return false;
        }
        fact.default_slot = it->second;
        return true;
      }
      case TypeKind::string:
        fact.default_text = s;
        return true;
      default: return false;
    }
  }

  void load_facts(const YAML::Node& node, const YAML::Node& context) {
    if (node && yaml_.expect_map(node, "`facts`")) declare_namespace(node, "", 1);
    // Context values share the facts' name space and slots: evaluation reads them like facts, and
    // only binding tells them apart.
    if (context && yaml_.expect_map(context, "`context`")) {
      declaring_context_ = true;
      declare_namespace(context, "", 1);
      declaring_context_ = false;
    }
    policy_->slot_count = static_cast<std::uint32_t>(policy_->facts.size() + policy_->lists.size());
    // Lists take the slots after the scalar facts.
    for (std::size_t i = 0; i < policy_->lists.size(); ++i)
      policy_->lists[i].slot = static_cast<std::uint32_t>(policy_->facts.size() + i);
    std::uint32_t strings = 0;
    for (auto& f : policy_->facts)
      if (f.type.kind == TypeKind::string) f.string_index = strings++;
    policy_->string_count = strings;
  }

  void declare_namespace(const YAML::Node& node, const std::string& prefix, std::uint32_t depth) {
    if (depth > options_.limits.max_yaml_depth) {
      yaml_.error(node, "limit", "facts nest too deeply");
      return;
    }
    // YAML aliases can repeat a namespace many times over: bound the walk, not only its depth.
    if (++namespaces_visited_ > options_.limits.max_facts) {
      if (namespaces_visited_ == options_.limits.max_facts + 1)
        yaml_.error(node, "limit", fmt::format("more than {} fact namespaces (are YAML aliases repeating them?)",
                                               options_.limits.max_facts));
      return;
    }
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const YAML::Node& key = kv.first;
      const YAML::Node& decl = kv.second;
      if (!yaml_.expect_scalar(key, "a fact name")) continue;
      if (!valid_id(key, "fact name")) continue;
      std::string path = prefix.empty() ? key.Scalar() : prefix + "." + key.Scalar();
      if (!seen.insert(key.Scalar()).second) {
        yaml_.error(key, "duplicate-id", fmt::format("fact `{}` is declared twice", path));
        continue;
      }
      if (expr::is_keyword(key.Scalar())) {
        yaml_.error(key, "bad-id", fmt::format("`{}` is a keyword of the expression language", key.Scalar()));
        continue;
      }
      if (policy_->facts.size() + policy_->lists.size() >= options_.limits.max_facts) {
        yaml_.error(key, "limit", fmt::format("more than {} facts", options_.limits.max_facts));
        return;
      }
      if (!decl.IsMap()) {
        yaml_.error(decl.IsDefined() && !decl.IsNull() ? decl : key, "schema",
                    fmt::format("fact `{}` needs a mapping with `type:` (or nested facts)", path));
        continue;
      }
      if (!decl["type"]) {
        declare_namespace(decl, path, depth + 1);
        continue;
      }
      FactType type{};
      if (!parse_type(decl["type"], type)) {
        exprs_.poison(path);
        continue;
      }
      if (type == FactType::list && declaring_context_) {
        yaml_.error(decl["type"], "schema", fmt::format("context value `{}` cannot be a list: the context holds scalars", path));
        exprs_.poison(path);
        continue;
      }
      if (type == FactType::list) {
        yaml_.check_keys(decl, {"type", "label", "source", "fields", "max_items"}, fmt::format("list fact `{}`", path));
        declare_list(path, decl);
        continue;
      }
      yaml_.check_keys(decl, {"type", "label", "source", "default", "values"}, fmt::format("fact `{}`", path));
      FactDef fact;
      if (!declare_scalar(path, decl, type, fact, path)) {
        exprs_.poison(path);
        continue;
      }
      fact.slot = static_cast<std::uint32_t>(policy_->facts.size());
      fact.context = declaring_context_;
      if (policy_->fact_by_path.contains(path) || policy_->list_by_path.contains(path)) {
        yaml_.error(key, "duplicate-id", fmt::format("`{}` is declared both as a fact and as a context value", path));
        exprs_.poison(path);
        continue;
      }
      policy_->fact_by_path.emplace(path, fact.slot);
      policy_->facts.push_back(std::move(fact));
    }
  }

  void declare_list(const std::string& path, const YAML::Node& decl) {
    ListDef list;
    list.path = path;
    if (auto l = decl["label"]; l && yaml_.expect_scalar(l, "a label")) list.label = l.Scalar();
    if (auto s = decl["source"]; s && yaml_.expect_scalar(s, "a data source")) list.source = s.Scalar();
    if (auto m = decl["max_items"]) {
      auto v = yaml_.integer(m, "`max_items`");
      if (v && (*v < 1 || *v > options_.limits.max_list_items)) {
        yaml_.error(m, "limit", fmt::format("`max_items` must be between 1 and {}", options_.limits.max_list_items));
      } else if (v) {
        list.max_items = static_cast<std::uint32_t>(*v);
      }
    }
    auto fields = decl["fields"];
    if (!fields || !fields.IsMap() || fields.size() == 0) {
      yaml_.error(fields ? fields : decl, "schema", fmt::format("list `{}` needs `fields:` (a mapping of field declarations)", path));
      return;
    }
    for (const auto& kv : fields) {
      if (!yaml_.expect_scalar(kv.first, "a field name") || !valid_id(kv.first, "field name")) continue;
      const std::string& name = kv.first.Scalar();
      if (!kv.second.IsMap() || !kv.second["type"]) {
        yaml_.error(kv.first, "schema", fmt::format("field `{}.{}` needs a mapping with `type:`", path, name));
        continue;
      }
      FactType type{};
      if (!parse_type(kv.second["type"], type)) continue;
      if (type == FactType::list) {
        yaml_.error(kv.second["type"], "schema", "lists cannot contain lists");
        continue;
      }
      yaml_.check_keys(kv.second, {"type", "label", "source", "default", "values"}, fmt::format("field `{}.{}`", path, name));
      FactDef field;
      if (!declare_scalar(name, kv.second, type, field, path + "." + name)) continue;
      field.slot = static_cast<std::uint32_t>(list.fields.size());
      if (field.type.kind == TypeKind::string) field.string_index = list.string_fields++;
      if (!list.field_index.emplace(name, field.slot).second) {
        yaml_.error(kv.first, "duplicate-id", fmt::format("field `{}` is declared twice", name));
        continue;
      }
      list.fields.push_back(std::move(field));
    }
    policy_->list_by_path.emplace(path, static_cast<std::uint32_t>(policy_->lists.size()));
    policy_->lists.push_back(std::move(list));
  }

  void attach_native() {
    auto& p = *policy_;
    p.fused.fingerprint = fingerprint_fused(p);
    const NativeProgram* native = options_.native;
    if (!native) return;
    auto outputs = p.fused.outputs();
    const bool total_ok = native->points_total == UINT32_MAX || native->points_total >= native->output_count;
    if (native->fingerprint != p.fused.fingerprint || native->output_count != outputs.size() || !native->run ||
        !total_ok) {
      file_diagnostic(Severity::warning, "stale-native-code",
                      "the native code given for this policy was generated from a different version of it; using the "
                      "interpreter",
                      "regenerate it with `admit compile --emit cpp`");
      return;
    }
    p.native = native;
    p.native_output_room = native->points_total == UINT32_MAX ? native->output_count : native->points_total + 1;
    p.native_raw.clear();
    p.native_applied.clear();
    std::uint32_t k = 3;
    for (std::size_t i = 0; i < p.points_items.size(); ++i) p.native_raw.push_back(k++);
    for (std::uint32_t a : p.fused.applied) p.native_applied.push_back(a == UINT32_MAX ? UINT32_MAX : k++);
    if (native->points_total != UINT32_MAX && p.fused.certificate_bits) {
      NativeFastPath& fast = p.native_fast;
      fast.run = native->run;
      fast.room = p.native_output_room;
      fast.total = native->points_total;
      fast.items = static_cast<std::uint32_t>(p.points_items.size());
      fast.points_cap = p.points_cap ? p.points_cap->units() : INT64_MAX;
      fast.substitutable = p.fused.substitutable;
      fast.group_certificates = p.fused.group_certificates.data();
    }
  }

  // --- overrides and params -------------------------------------------------------------------

  bool apply_overrides(YAML::Node& root) {
    policy_->overrides = options_.overrides;
    bool ok = true;
    for (const auto& [path, value] : options_.overrides) {
      YAML::Node node = root;
      std::size_t start = 0;
      std::string walked;
      bool found = true;
      bool added = false;
      while (start <= path.size()) {
        std::size_t dot = path.find('.', start);
        std::string segment = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        start = dot == std::string::npos ? path.size() + 1 : dot + 1;
        walked += (walked.empty() ? "" : ".") + segment;
        YAML::Node next;
        bool exists = false;
        const YAML::Node& view = node;  // const access: never inserts a key
        if (view.IsMap() && view[segment]) {
          next.reset(view[segment]);
          exists = true;
        } else if (view.IsSequence()) {
          for (auto item : view)
            if (item.IsMap() && item["id"] && item["id"].IsScalar() && item["id"].Scalar() == segment) {
              next.reset(YAML::Node(item));
              exists = true;
            }
        }
        // The last segment may add a key to an existing mapping (e.g. a cap an item did not have).
        // Not in maps keyed by the county's own names (params, let, facts, certificates): there a
        // missing key is a typo, not an addition.
        const std::string parent = walked.substr(0, walked.rfind('.') == std::string::npos ? 0 : walked.rfind('.'));
        const bool named_map = parent == "params" || parent == "let" || parent == "facts" || parent == "certificates";
        if (!exists && start > path.size() && view.IsMap() && !named_map) {
          node[segment] = value;
          added = true;
          break;
        }
        if (!exists) {
          file_diagnostic(Severity::error, "bad-override",
                          fmt::format("override `{}`: `{}` names nothing in the rule file", path, walked),
                          "walk mappings by key and lists by item id, e.g. `points.items.housing.cap`");
          found = false;
          break;
        }
        node.reset(next);
      }
      if (!found) {
        ok = false;
        continue;
      }
      if (added) continue;
      if (!node.IsScalar() && !node.IsMap()) {
        file_diagnostic(Severity::error, "bad-override", fmt::format("override `{}` must name a value, not a list", path));
        ok = false;
        continue;
      }
      if (node.IsMap()) {
        if (!node["value"]) {
          file_diagnostic(Severity::error, "bad-override",
                          fmt::format("override `{}` must name a value, not a mapping", path));
          ok = false;
          continue;
        }
        node["value"] = value;  // a param written as {value: ..., label: ...}
      } else {
        node = value;
      }
    }
    return ok;
  }

  void load_params(const YAML::Node& node) {
    if (!node) return;
    if (!yaml_.expect_map(node, "`params`")) return;
    for (const auto& kv : node) {
      if (!yaml_.expect_scalar(kv.first, "a parameter name") || !valid_id(kv.first, "parameter name")) continue;
      const std::string& name = kv.first.Scalar();
      YAML::Node value = kv.second;
      ParamInfo info;
      info.name = name;
      if (value.IsMap()) {
        yaml_.check_keys(value, {"value", "label"}, fmt::format("parameter `{}`", name));
        if (auto l = value["label"]; l && yaml_.expect_scalar(l, "a label")) info.label = l.Scalar();
        if (!yaml_.required(kv.second, value["value"], "value")) continue;
        value.reset(YAML::Node(kv.second["value"]));
      }
      if (!yaml_.expect_scalar(value, "a constant")) continue;
      const std::string& text = value.Scalar();
      Type type;
      std::int64_t encoded = 0;
      bool quoted = value.Tag() == "!";
      if (!quoted && (text == "true" || text == "false")) {
        type = Type{TypeKind::boolean};
        encoded = text == "true";
        info.type = FactType::boolean;
        info.value = text;
      } else if (auto d = Date::parse(text); !quoted && d) {
        type = Type{TypeKind::date};
        encoded = d->days();
        info.type = FactType::date;
        info.value = d->to_string();
      } else if (auto dec = Decimal::parse(text); !quoted && dec) {
        bool integral = text.find('.') == std::string::npos;
        type = Type{integral ? TypeKind::integer : TypeKind::decimal};
        encoded = integral ? dec->units() / Decimal::kOne : dec->units();
        info.type = integral ? FactType::integer : FactType::decimal;
        info.value = dec->to_string();
      } else {
        type = Type{TypeKind::string};
        encoded = exprs_.intern_string(text);
        info.type = FactType::string;
        info.value = text;
      }
      if (expr::is_keyword(name) || !exprs_.add_param(name, type, encoded)) {
        yaml_.error(kv.first, "duplicate-id", fmt::format("`{}` is already a fact, parameter or keyword", name));
        continue;
      }
      policy_->param_infos.push_back(std::move(info));
    }
  }

  // --- lets ---------------------------------------------------------------------------------

  std::size_t rule_count() const {
    return policy_->groups.size() + policy_->checks.size() + policy_->points_items.size() + let_count_;
  }

  void load_lets(const YAML::Node& node) {
    if (!node) return;
    if (!yaml_.expect_map(node, "`let`")) return;
    struct Let {
      YAML::Node name, expression;
      std::set<std::string> uses;  // other lets it reads
      expr::ParseResult parsed;    // parsed once: handed to the expression compiler
    };
    std::vector<Let> lets;
    std::set<std::string> seen;
    for (const auto& kv : node) {
      if (++let_count_ > options_.limits.max_rules) {
        yaml_.error(kv.first, "limit", fmt::format("more than {} rules (groups, checks, points items, lets)", options_.limits.max_rules));
        return;
      }
      if (!yaml_.expect_scalar(kv.first, "a name") || !valid_id(kv.first, "name")) continue;
      if (!seen.insert(kv.first.Scalar()).second) {
        yaml_.error(kv.first, "duplicate-id", fmt::format("`{}` is defined twice", kv.first.Scalar()));
        continue;
      }
      if (expr::is_keyword(kv.first.Scalar())) {
        yaml_.error(kv.first, "bad-id", fmt::format("`{}` is a keyword of the expression language", kv.first.Scalar()));
        continue;
      }
      if (!yaml_.expect_scalar(kv.second, "an expression")) continue;
      lets.push_back(Let{kv.first, kv.second, {}, {}});
    }
    // Lets are compiled in dependency order, not in the order written: a county that replaces a
    // baseline's let (which keeps the baseline's place) may use lets the county adds.
    for (Let& let : lets) {
      let.parsed = expr::parse_expression(let.expression.Scalar(), parse_limits());
      if (!let.parsed.error) collect_let_uses(let.parsed.ast, let.parsed.ast.root, seen, {}, let.uses);
      let.uses.erase(let.name.Scalar());  // a let cannot read itself; the compiler says so
    }
    std::vector<bool> done(lets.size(), false);
    std::set<std::string> defined;
    for (std::size_t emitted = 0; emitted < lets.size();) {
      bool progress = false;
      for (std::size_t i = 0; i < lets.size(); ++i) {
        if (done[i]) continue;
        bool ready = std::all_of(lets[i].uses.begin(), lets[i].uses.end(),
                                 [&](const std::string& u) { return defined.contains(u); });
        if (!ready) continue;
        compile_let(lets[i].name, lets[i].expression, std::move(lets[i].parsed));
        defined.insert(lets[i].name.Scalar());
        done[i] = true;
        ++emitted;
        progress = true;
        break;  // restart: keep the written order wherever dependencies allow
      }
      if (progress) continue;
      std::string cycle;
      for (std::size_t i = 0; i < lets.size(); ++i)
        if (!done[i]) cycle += (cycle.empty() ? "`" : ", `") + lets[i].name.Scalar() + "`";
      for (std::size_t i = 0; i < lets.size(); ++i) {
        if (done[i]) continue;
        yaml_.error(lets[i].name, "let-cycle", fmt::format("these lets read each other in a cycle: {}", cycle)).help =
            "a derived value can only use values that do not depend on it";
        break;
      }
      for (std::size_t i = 0; i < lets.size(); ++i)
        if (!done[i]) exprs_.poison(lets[i].name.Scalar());
      return;
    }
  }

  expr::ParseLimits parse_limits() const {
    expr::ParseLimits limits;
    limits.max_length = options_.limits.max_expression_bytes;
    limits.max_depth = options_.limits.max_expression_depth;
    return limits;
  }

  // The let names an expression reads (names bound by its quantifiers excepted).
  void collect_let_uses(const expr::Ast& ast, std::uint32_t at, const std::set<std::string>& lets,
                        std::vector<std::string> bound, std::set<std::string>& out) {
    const expr::Node& n = ast.at(at);
    if (n.kind == expr::NodeKind::name) {
      const std::string head = n.text.substr(0, n.text.find('.'));
      if (lets.contains(n.text) && std::find(bound.begin(), bound.end(), head) == bound.end()) out.insert(n.text);
      return;
    }
    if (n.kind == expr::NodeKind::quantifier && !n.var.empty()) {
      // The list is read outside the variable's scope, the rest inside it.
      for (std::size_t c = 0; c < n.children.size(); ++c) {
        if (c == 1) bound.push_back(n.var);
        collect_let_uses(ast, n.children[c], lets, bound, out);
      }
      return;
    }
    for (std::uint32_t c : n.children) collect_let_uses(ast, c, lets, bound, out);
  }

  void compile_let(const YAML::Node& name, const YAML::Node& expression, expr::ParseResult parsed) {
    std::string storage;
    std::unique_ptr<ScalarMap> map;
    auto text = expression_text(expression, storage, map);
    if (text.text == expression.Scalar())
      exprs_.add_let(name.Scalar(), text, yaml_.offset(name), std::move(parsed));
    else
      exprs_.add_let(name.Scalar(), text, yaml_.offset(name));
  }

  // --- certificates -------------------------------------------------------------------------

  void load_certificate_ids(const YAML::Node& node) {
    if (!node) return;
    if (!yaml_.expect_map(node, "`certificates`")) return;
    for (const auto& kv : node) {
      if (!yaml_.expect_scalar(kv.first, "a certificate id") || !valid_id(kv.first, "certificate id")) continue;
      const std::string& id = kv.first.Scalar();
      if (policy_->certificate_by_id.count(id)) {
        yaml_.error(kv.first, "duplicate-id", fmt::format("certificate `{}` is declared twice", id));
        continue;
      }
      if (policy_->certificate_infos.size() >= options_.limits.max_certificates) {
        yaml_.error(kv.first, "limit", fmt::format("more than {} certificates", options_.limits.max_certificates));
        return;
      }
      CertificateInfo info;
      info.id = id;
      if (kv.second.IsMap()) {
        yaml_.check_keys(kv.second, {"label", "label_en", "category", "verified_by", "substitutes", "notes"},
                         fmt::format("certificate `{}`", id));
        if (auto l = kv.second["label"]; l && yaml_.expect_scalar(l, "a label")) info.label = l.Scalar();
        if (auto l = kv.second["label_en"]; l && yaml_.expect_scalar(l, "a label")) info.label_en = l.Scalar();
        if (auto c = kv.second["category"]) info.category = one_of(c, kCertificateCategories, "certificate category");
        if (auto v = kv.second["verified_by"]; v && yaml_.expect_scalar(v, "a data source")) info.verified_by = v.Scalar();
      } else if (!kv.second.IsNull()) {
        yaml_.error(kv.second, "schema", fmt::format("certificate `{}` needs a mapping (label, verified_by, substitutes)", id));
      }
      policy_->certificate_by_id.emplace(id, static_cast<std::uint32_t>(policy_->certificate_infos.size()));
      policy_->certificate_infos.push_back(std::move(info));
      policy_->certificates.emplace_back();
    }
  }

  std::optional<std::uint32_t> certificate_ref(const YAML::Node& node) {
    if (!yaml_.expect_scalar(node, "a certificate id")) return std::nullopt;
    auto it = policy_->certificate_by_id.find(node.Scalar());
    if (it != policy_->certificate_by_id.end()) return it->second;
    std::vector<std::string_view> ids;
    for (const auto& c : policy_->certificate_infos) ids.push_back(c.id);
    auto& d = yaml_.error(node, "unknown-certificate", fmt::format("unknown certificate `{}`", node.Scalar()));
    std::string s = did_you_mean(node.Scalar(), ids);
    d.help = s.empty() ? "declare it under `certificates:`" : fmt::format("did you mean `{}`?", s);
    return std::nullopt;
  }

  void load_certificate_substitutes(const YAML::Node& node) {
    if (!node || !node.IsMap()) return;
    for (const auto& kv : node) {
      if (!kv.first.IsScalar() || !kv.second.IsMap()) continue;
      auto it = policy_->certificate_by_id.find(kv.first.Scalar());
      if (it == policy_->certificate_by_id.end()) continue;
      auto subs = kv.second["substitutes"];
      if (!subs) continue;
      if (!yaml_.expect_sequence(subs, "`substitutes`")) continue;
      std::set<std::string> seen;
      for (const auto& s : subs) {
        if (!yaml_.expect_map(s, "a substitute")) continue;
        yaml_.check_keys(s, {"id", "label", "all_of", "when"}, "a substitute");
        Substitute sub;
        if (auto id = s["id"]; yaml_.required(s, id, "id") && yaml_.expect_scalar(id, "an id") && valid_id(id, "substitute id")) {
          sub.id = id.Scalar();
          if (!seen.insert(sub.id).second) yaml_.error(id, "duplicate-id", fmt::format("substitute `{}` is declared twice", sub.id));
        }
        if (auto l = s["label"]; l && yaml_.expect_scalar(l, "a label")) sub.label = l.Scalar();
        auto all_of = s["all_of"];
        if (yaml_.required(s, all_of, "all_of") && yaml_.expect_sequence(all_of, "`all_of`")) {
          for (const auto& c : all_of) {
            auto ref = certificate_ref(c);
            if (!ref) continue;
            if (*ref == it->second)
              yaml_.error(c, "schema", "a certificate cannot substitute for itself");
            else
              sub.all_of.push_back(*ref);
          }
          if (all_of.size() == 0) yaml_.error(all_of, "schema", "`all_of` lists no certificate");
        }
        if (auto w = s["when"]) {
          sub.offset = yaml_.offset(w);
          auto c = compile_expression(w, Expect::boolean, &sub.expression);
          if (c) sub.condition = c->segment;
        }
        policy_->certificates[it->second].substitutes.push_back(std::move(sub));
      }
    }
  }

  // --- eligibility, groups, points -----------------------------------------------------------

  // The `id` (required, valid, unique among `seen`) and `label` of a check, group or points item.
  // Returns the id node, for diagnostics that point at it.
  YAML::Node read_id_and_label(const YAML::Node& item, std::set<std::string>& seen, std::string_view what,
                               std::string& id_out, std::string& label_out) {
    YAML::Node id = item["id"];
    if (yaml_.required(item, id, "id") && yaml_.expect_scalar(id, "an id") && valid_id(id, fmt::format("{} id", what))) {
      id_out = id.Scalar();
      if (!seen.insert(id_out).second)
        yaml_.error(id, "duplicate-id", fmt::format("{} `{}` is declared twice", what, id_out));
    }
    if (auto l = item["label"]; l && yaml_.expect_scalar(l, "a label")) label_out = l.Scalar();
    return id;
  }

  void load_eligibility(const YAML::Node& node) {
    if (!node) return;
    if (!yaml_.expect_sequence(node, "`eligibility`")) return;
    std::set<std::string> seen;
    for (const auto& item : node) {
      if (!yaml_.expect_map(item, "an eligibility check")) continue;
      yaml_.check_keys(item, {"id", "label", "require", "reason"}, "an eligibility check");
      CheckInfo info;
      CheckDef def;
      read_id_and_label(item, seen, "eligibility check", info.id, info.label);
      if (auto r = item["reason"]; r && yaml_.expect_scalar(r, "a reason")) info.reason = r.Scalar();
      auto req = item["require"];
      if (yaml_.required(item, req, "require")) {
        auto c = compile_expression(req, Expect::boolean, &def.expression);
        def.offset = yaml_.offset(req);
        if (c) {
          def.condition = c->segment;
          if (c->is_constant && c->constant == 0)
            yaml_.error(req, "always-false", "this check can never pass: every applicant would be ineligible");
        }
      }
      policy_->check_infos.push_back(std::move(info));
      policy_->checks.push_back(std::move(def));
    }
  }

  void load_groups(const YAML::Node& node, const YAML::Node& root) {
    if (!node) {
      yaml_.error(root, "schema", "missing `groups:` (the admission groups, in priority order)");
      return;
    }
    if (!yaml_.expect_sequence(node, "`groups`")) return;
    std::set<std::string> seen;
    struct Seen {
      std::string id;
      std::uint64_t fingerprint;
      bool always;
    };
    std::vector<Seen> earlier;
    for (const auto& item : node) {
      if (!yaml_.expect_map(item, "a group")) continue;
      yaml_.check_keys(item, {"id", "label", "when", "requires", "tie_break", "notes"}, "a group");
      GroupInfo info;
      GroupDef def;
      YAML::Node id = read_id_and_label(item, seen, "group", info.id, info.label);
      auto when = item["when"];
      if (yaml_.required(item, when, "when")) {
        def.offset = yaml_.offset(when);
        auto c = compile_expression(when, Expect::boolean, &def.expression);
        if (c) {
          def.condition = c->segment;
          for (const Seen& e : earlier) {
            if (e.always) {
              yaml_.error(id ? id : YAML::Node(item), "unreachable-group",
                          fmt::format("group `{}` can never be reached: group `{}` before it matches every applicant",
                                      info.id, e.id))
                  .help = "move this group above it, or give the earlier group a real condition";
              break;
            }
            if (e.fingerprint == c->fingerprint) {
              yaml_.error(when, "unreachable-group",
                          fmt::format("group `{}` can never be reached: group `{}` has the same condition", info.id, e.id));
              break;
            }
          }
          if (c->is_constant && c->constant == 0)
            yaml_.error(when, "unreachable-group", fmt::format("group `{}` can never match: its condition is always false", info.id));
          earlier.push_back(Seen{info.id, c->fingerprint, c->is_constant && c->constant != 0});
        }
      }
      if (auto reqs = item["requires"]) load_requirements(reqs, def);
      policy_->group_infos.push_back(std::move(info));
      policy_->groups.push_back(std::move(def));
    }
    if (policy_->groups.size() + policy_->checks.size() > options_.limits.max_rules)
      yaml_.error(node, "limit", fmt::format("more than {} rules (groups, checks, points items, lets)", options_.limits.max_rules));
  }

  void load_requirements(const YAML::Node& reqs, GroupDef& def) {
    if (!yaml_.expect_sequence(reqs, "`requires`")) return;
    std::set<std::uint32_t> seen;
    for (const auto& r : reqs) {
      Requirement req;
      YAML::Node cert_node;
      if (r.IsScalar()) {
        cert_node.reset(YAML::Node(r));
      } else if (r.IsMap()) {
        yaml_.check_keys(r, {"certificate", "when"}, "a requirement");
        if (!yaml_.required(r, r["certificate"], "certificate")) continue;
        cert_node.reset(r["certificate"]);  // reset: refer to it (`=` would assign into the tree)
        if (auto w = r["when"]) {
          req.offset = yaml_.offset(w);
          auto c = compile_expression(w, Expect::boolean, &req.expression);
          if (c) {
            if (c->is_constant && c->constant == 0) yaml_.warning(w, "always-false", "this requirement never applies");
            req.condition = c->segment;
          }
        }
      } else {
        yaml_.error(r, "schema", "a requirement is a certificate id, or `{certificate: id, when: condition}`");
        continue;
      }
      auto ref = certificate_ref(cert_node);
      if (!ref) continue;
      if (!req.condition && !seen.insert(*ref).second) {
        yaml_.error(cert_node, "duplicate-id", fmt::format("`{}` is required twice", cert_node.Scalar()));
        continue;
      }
      req.certificate = *ref;
      def.requirements.push_back(std::move(req));
    }
  }

  // --- tie-breaks ---------------------------------------------------------------------------

  // Compiles a `tie_break:` list into policy_->tie_break_keys; returns the keys' indexes.
  std::vector<std::uint32_t> tie_break_list(const YAML::Node& node, std::vector<TieBreakInfo>& infos) {
    std::vector<std::uint32_t> indexes;
    if (!yaml_.expect_sequence(node, "`tie_break`")) return indexes;
    std::set<std::string> seen;
    for (const auto& item : node) {
      if (!yaml_.expect_map(item, "a tie-break key")) continue;
      yaml_.check_keys(item, {"id", "label", "key", "order", "notes"}, "a tie-break key");
      TieBreakInfo info;
      TieBreakDef def;
      read_id_and_label(item, seen, "tie-break key", info.id, info.label);
      if (auto o = item["order"]) def.descending = one_of(o, {"ascending", "descending"}, "order") == "descending";
      info.descending = def.descending;
      auto key = item["key"];
      if (!yaml_.required(item, key, "key") || !yaml_.expect_scalar(key, "a key expression")) continue;
      const std::string& text = key.Scalar();
      if (text == "points") {
        info.points = true;
        info.type = FactType::decimal;
      } else if (text.starts_with("points.")) {
        // An item's value after its cap: the order many points tables publish (Dongguan).
        const std::string id = text.substr(7);
        auto it = std::find_if(policy_->points_infos.begin(), policy_->points_infos.end(),
                               [&](const PointsItemInfo& p) { return p.id == id; });
        if (it == policy_->points_infos.end()) {
          std::vector<std::string_view> ids;
          for (const auto& p : policy_->points_infos) ids.push_back(p.id);
          auto& d = yaml_.error(key, "unknown-points-item", fmt::format("no points item `{}`", id));
          if (auto s = did_you_mean(id, ids); !s.empty()) d.help = fmt::format("did you mean `points.{}`?", s);
          continue;
        }
        info.points = true;
        info.item = id;
        info.type = FactType::decimal;
        def.item = static_cast<std::uint32_t>(it - policy_->points_infos.begin());
      } else {
        auto c = compile_expression(key, Expect::any, nullptr);
        if (!c) continue;
        switch (c->type.kind) {
          case TypeKind::boolean: info.type = FactType::boolean; break;
          case TypeKind::integer: info.type = FactType::integer; break;
          case TypeKind::decimal: info.type = FactType::decimal; break;
          case TypeKind::date: info.type = FactType::date; break;
          case TypeKind::enumeration:
            info.type = FactType::enumeration;
            info.values = policy_->enums[c->type.id].values;
            break;
          default:
            yaml_.error(key, "type-mismatch", "a tie-break key must be an int, decimal, date, bool or enum expression");
            continue;
        }
        def.key = c->segment;
      }
      indexes.push_back(static_cast<std::uint32_t>(policy_->tie_break_keys.size()));
      policy_->tie_break_keys.push_back(std::move(def));
      infos.push_back(std::move(info));
    }
    return indexes;
  }

  void load_tie_breaks(const YAML::Node& root) {
    std::vector<TieBreakInfo> policy_infos;
    std::vector<std::uint32_t> policy_keys;
    if (auto t = root["tie_break"]) policy_keys = tie_break_list(t, policy_infos);
    bool any = !policy_keys.empty();
    std::vector<std::vector<std::uint32_t>> keys;
    std::vector<std::vector<TieBreakInfo>> infos;
    const YAML::Node groups = root["groups"];
    if (groups && groups.IsSequence()) {
      for (const auto& g : groups) {
        if (!g.IsMap()) continue;
        if (auto own = g["tie_break"]) {
          std::vector<TieBreakInfo> own_infos;
          keys.push_back(tie_break_list(own, own_infos));
          infos.push_back(std::move(own_infos));
          any = true;
        } else {
          keys.push_back(policy_keys);
          infos.push_back(policy_infos);
        }
      }
    }
    if (!any || keys.size() != policy_->groups.size()) return;
    keys.push_back(policy_keys);
    infos.push_back(policy_infos);
    std::size_t longest = 0;
    for (const auto& k : keys) longest = std::max(longest, k.size());
    policy_->sort_key_length = 1 + longest;
    policy_->tie_breaks = std::move(keys);
    policy_->tie_break_infos = std::move(infos);
  }

  // --- lints --------------------------------------------------------------------------------

  void load_lints(const YAML::Node& node, const YAML::Node& root) {
    if (!node) return;
    if (!yaml_.expect_sequence(node, "`lint` (a list such as [shandong])")) return;
    for (const auto& l : node) {
      std::string name = one_of(l, kLints, "lint");
      if (!name.empty()) policy_->lints.push_back(name);
    }
    if (std::find(policy_->lints.begin(), policy_->lints.end(), "shandong") != policy_->lints.end()) lint_shandong(root);
  }

  void lint_shandong(const YAML::Node& root) {
    if (auto points = root["points"]; points && points.IsMap() && points["items"] && points["items"].IsSequence()) {
      std::size_t i = 0;
      for (const auto& item : points["items"]) {
        if (i >= policy_->points_infos.size()) break;
        const PointsItemInfo& info = policy_->points_infos[i++];
        if (std::find(kShandongPointsKinds.begin(), kShandongPointsKinds.end(), info.kind) != kShandongPointsKinds.end())
          continue;
        const YAML::Node at = item["kind"] ? item["kind"] : item["id"] ? item["id"] : YAML::Node(item);
        yaml_.warning(at, "lint-shandong-points",
                      info.kind.empty()
                          ? fmt::format("points item `{}` does not say what it scores (`kind:`)", info.id)
                          : fmt::format("points item `{}` scores `{}`", info.id, info.kind))
            .help = "Shandong allows points only for hukou type, residence, employment and property type "
                    "(kind: hukou_type | residence | employment | property_type)";
      }
    }
    const YAML::Node groups = root["groups"];
    if (!groups || !groups.IsSequence()) return;
    std::size_t g = 0;
    for (const auto& item : groups) {
      if (!item.IsMap() || g >= policy_->groups.size()) continue;
      const GroupDef& def = policy_->groups[g];
      const GroupInfo& info = policy_->group_infos[g++];
      std::vector<std::string> categories;
      for (const Requirement& r : def.requirements) {
        const CertificateInfo& c = policy_->certificate_infos[r.certificate];
        std::string category = c.category.empty() ? "certificate " + c.id : c.category;
        if (std::find(categories.begin(), categories.end(), category) == categories.end()) categories.push_back(category);
      }
      if (categories.size() <= kShandongMaxCategories) continue;
      std::string list;
      for (const auto& c : categories) list += (list.empty() ? "" : ", ") + c;
      yaml_.warning(item["id"] ? item["id"] : YAML::Node(item), "lint-shandong-certificates",
                    fmt::format("group `{}` asks for {} categories of certificates ({}); Shandong allows at most {}",
                                info.id, categories.size(), list, kShandongMaxCategories))
          .help = "give every certificate its `category:`, merge requirements, or let data sharing verify them";
    }
  }

  void load_points(const YAML::Node& node) {
    if (!node) return;
    if (!yaml_.expect_map(node, "`points`")) return;
    yaml_.check_keys(node, {"cap", "items"}, "`points`");
    if (auto cap = node["cap"]) policy_->points_cap = yaml_.decimal(cap, "the points cap");
    auto items = node["items"];
    if (!items) return;
    if (!yaml_.expect_sequence(items, "`items`")) return;
    std::set<std::string> seen;
    for (const auto& item : items) {
      if (!yaml_.expect_map(item, "a points item")) continue;
      yaml_.check_keys(item, {"id", "label", "kind", "value", "cap", "when", "notes"}, "a points item");
      PointsItemInfo info;
      PointsItemDef def;
      read_id_and_label(item, seen, "points item", info.id, info.label);
      if (auto k = item["kind"]) info.kind = one_of(k, kPointsKinds, "points item kind");
      if (auto cap = item["cap"]) info.cap = yaml_.decimal(cap, "the item's cap");
      auto value = item["value"];
      if (yaml_.required(item, value, "value")) {
        def.offset = yaml_.offset(value);
        auto c = compile_expression(value, Expect::numeric, &def.expression);
        if (c) {
          def.value = c->segment;
          def.value_is_decimal = c->type.kind == TypeKind::decimal;
        }
      }
      if (auto w = item["when"]) {
        auto c = compile_expression(w, Expect::boolean, nullptr);
        if (c) def.condition = c->segment;
      }
      policy_->points_infos.push_back(std::move(info));
      policy_->points_items.push_back(std::move(def));
      if (rule_count() > options_.limits.max_rules) {
        yaml_.error(item, "limit", fmt::format("more than {} rules (groups, checks, points items, lets)", options_.limits.max_rules));
        return;
      }
    }
  }

  void mark_read_facts() {
    auto mark = [&](const vm::Segment& s) {
      for (std::uint32_t slot : s.facts_read)
        if (slot < policy_->facts.size()) policy_->facts[slot].read = true;
    };
    for (const auto& c : policy_->checks) mark(c.condition);
    for (const auto& g : policy_->groups) {
      mark(g.condition);
      for (const auto& r : g.requirements)
        if (r.condition) mark(*r.condition);
    }
    for (const auto& i : policy_->points_items) {
      mark(i.value);
      if (i.condition) mark(*i.condition);
    }
    for (const auto& c : policy_->certificates)
      for (const auto& s : c.substitutes)
        if (s.condition) mark(*s.condition);
    for (const auto& t : policy_->tie_break_keys)
      if (t.key) mark(*t.key);
  }

  void build_public_tables() {
    for (const FactDef& f : policy_->facts) policy_->fact_infos.push_back(fact_info(f, f.path));
    for (const ListDef& l : policy_->lists) {
      FactInfo info;
      info.path = l.path;
      info.type = FactType::list;
      info.label = l.label;
      info.source = l.source;
      info.has_default = true;
      info.max_items = l.max_items;
      policy_->fact_infos.push_back(std::move(info));
      for (const FactDef& f : l.fields) policy_->fact_infos.push_back(fact_info(f, l.path + "[]." + f.path));
    }
  }

  FactInfo fact_info(const FactDef& f, const std::string& path) const {
    FactInfo info;
    info.path = path;
    info.label = f.label;
    info.source = f.source;
    info.has_default = f.has_default;
    info.context = f.context;
    switch (f.type.kind) {
      case TypeKind::boolean: info.type = FactType::boolean; break;
      case TypeKind::integer: info.type = FactType::integer; break;
      case TypeKind::decimal: info.type = FactType::decimal; break;
      case TypeKind::date: info.type = FactType::date; break;
      case TypeKind::string: info.type = f.type.resident_id ? FactType::resident_id : FactType::string; break;
      case TypeKind::enumeration: {
        info.type = FactType::enumeration;
        const EnumDef& e = policy_->enums[f.type.id];
        info.values = e.values;
        info.value_labels = e.labels;
        break;
      }
      default: break;
    }
    return info;
  }

  std::unique_ptr<CompiledPolicy> policy_;
  const CompileOptions& options_;
  std::size_t let_count_ = 0;
  bool fragment_ = false;
  bool declaring_context_ = false;
  std::size_t namespaces_visited_ = 0;
  DiagnosticSink sink_;
  YamlReader yaml_;
  ExpressionCompiler exprs_;
};

std::string sibling_tests_path(const std::string& path) {
  std::filesystem::path p(path);
  std::string stem = p.stem().string();
  if (stem.ends_with(".test")) return {};
  return (p.parent_path() / (stem + ".test.yaml")).string();
}

}  // namespace

CompileResult compile(std::string name, std::string text, const CompileOptions& options, const std::string* tests_path) {
  auto policy = std::make_unique<CompiledPolicy>();
  policy->file = name;
  if (text.size() > options.limits.max_file_bytes) {
    CompileResult r;
    Diagnostic d;
    d.code = "limit";
    d.file = name;
    d.message = fmt::format("the rule file is {} bytes; the limit is {}", text.size(), options.limits.max_file_bytes);
    r.diagnostics.push_back(std::move(d));
    return r;
  }
  // Without its byte order mark, every file of a policy is plain UTF-8 in one SourceFile, and
  // yaml-cpp's positions are offsets in it (line 1 still starts at column 1).
  if (std::string_view(text).starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  policy->source = std::make_unique<SourceFile>(std::move(name), std::move(text));
  const std::string file = policy->source->name();
  try {
    Compiler compiler(std::move(policy), options);
    return compiler.run(tests_path);
  } catch (const std::exception& e) {
    // A safety net: no exception may escape the API. Reaching it is a bug (the fuzzers look for it).
    CompileResult r;
    Diagnostic d;
    d.code = "internal";
    d.file = file;
    d.message = fmt::format("internal compiler error: {}", e.what());
    d.help = "please report this rule file to the admit developers";
    r.diagnostics.push_back(std::move(d));
    return r;
  }
}

}  // namespace internal

CompileResult compile_source(std::string_view yaml_text, std::string_view file_name, const CompileOptions& options) {
  return internal::compile(std::string(file_name), std::string(yaml_text), options, nullptr);
}

CompileResult compile_file(const std::string& path, const CompileOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    CompileResult r;
    Diagnostic d;
    d.code = "io";
    d.file = path;
    d.message = "cannot open the rule file";
    r.diagnostics.push_back(std::move(d));
    return r;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string tests = internal::sibling_tests_path(path);
  return internal::compile(path, text.str(), options, tests.empty() ? nullptr : &tests);
}

}  // namespace admit
