// The policy as Z3 terms, the witness builder and the replay with the real evaluator.

#include "analysis/model.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "admit/context.hpp"
#include "admit/date.hpp"
#include "admit/decimal.hpp"
#include "admit/resident_id.hpp"
#include "json/json_writer.hpp"
#include "policy/applicant_storage.hpp"
#include "vm/ops.hpp"

namespace admit::internal::analysis {

namespace {
constexpr std::int64_t kMin64 = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax64 = std::numeric_limits<std::int64_t>::max();
}  // namespace

Rule PolicyModel::encode(const vm::Segment& segment, bool want_bool, std::string what, std::size_t offset) {
  Encoded e = encoder_.encode(segment, want_bool);
  if (e.ok()) return Rule{*e.value, *e.error, {}};
  std::string name = fmt::format("{}unknown#{}", prefix_, fresh_++);
  unknowns.push_back(UnknownRule{what, e.unknown, offset});
  return Rule{want_bool ? c_.bool_const(name.c_str()) : c_.int_const(name.c_str()), c_.bool_val(false), e.unknown};
}

z3::expr PolicyModel::has(std::uint32_t certificate) {
  return vars.verified(certificate) || vars.submitted(certificate);
}

PolicyModel::PolicyModel(z3::context& context, const Policy& pol, std::string prefix,
                         std::shared_ptr<const StringDomain> strings)
    : policy(pol), p(pol.compiled()), vars(context, pol.compiled(), prefix, std::move(strings)), c_(context), encoder_(vars),
      prefix_(std::move(prefix)) {
  z3::context& c = c_;
  auto in_range = [&](const z3::expr& v) { return v >= c.int_val(kMin64) && v <= c.int_val(kMax64); };

  // Eligibility: checks in order, the first false one decides.
  z3::expr passed = c.bool_val(true), checks_ok = c.bool_val(true);
  for (std::uint32_t i = 0; i < p.checks.size(); ++i) {
    checks.push_back(encode(p.checks[i].condition, true, fmt::format("eligibility check `{}`", p.check_infos[i].id),
                            p.checks[i].offset));
    checks_ok = checks_ok && z3::implies(passed, !checks.back().error);
    check_fails.push_back(passed && !checks.back().value);
    passed = passed && checks.back().value;
  }
  eligible = passed;

  // Groups: the first that holds.
  z3::expr none_before = c.bool_val(true), groups_ok = c.bool_val(true);
  for (std::uint32_t g = 0; g < p.groups.size(); ++g) {
    groups.push_back(encode(p.groups[g].condition, true, fmt::format("group `{}`", p.group_infos[g].id), p.groups[g].offset));
    groups_ok = groups_ok && z3::implies(none_before, !groups.back().error);
    reach.push_back(passed && none_before && groups.back().value);
    none_before = none_before && !groups.back().value;
  }
  no_group = passed && none_before;

  // Points: each item capped, the total capped.
  z3::expr points_ok = c.bool_val(true), sum = c.int_val(0);
  for (std::uint32_t i = 0; i < p.points_items.size(); ++i) {
    const auto& item = p.points_items[i];
    const auto& info = p.points_infos[i];
    Rule value = encode(item.value, false, fmt::format("points item `{}`", info.id), item.offset);
    Rule cond = item.condition ? encode(*item.condition, true, fmt::format("the `when` of points item `{}`", info.id), item.offset)
                               : Rule{c.bool_val(true), c.bool_val(false), {}};
    z3::expr raw = item.value_is_decimal ? value.value : value.value * c.int_val(Decimal::kOne);
    z3::expr value_error = value.error || (item.value_is_decimal ? c.bool_val(false) : !in_range(raw));
    points_ok = points_ok && !cond.error && z3::implies(cond.value, !value_error);
    z3::expr capped = info.cap ? z3::ite(raw > c.int_val(info.cap->units()), c.int_val(info.cap->units()), raw) : raw;
    z3::expr counted = z3::ite(cond.value, capped, c.int_val(0));
    sum = sum + counted;
    points_ok = points_ok && in_range(sum);
    item_values.push_back(value);
    item_conditions.push_back(cond);
    item_raw.push_back(raw);
    item_applied.push_back(cond.value);
    item_value.push_back(counted);
  }
  total_uncapped = sum;
  total = p.points_cap ? z3::ite(sum > c.int_val(p.points_cap->units()), c.int_val(p.points_cap->units()), sum) : sum;

  // Substitutes, per certificate: which one is used when the certificate is required and missing.
  substitute_conditions.resize(p.certificates.size());
  substitute_used.resize(p.certificates.size());
  std::vector<z3::expr> substitute_errors;  // per certificate: a substitute's condition fails, given it is required
  for (std::uint32_t cert = 0; cert < p.certificates.size(); ++cert) {
    z3::expr earlier_used = c.bool_val(false), errors = c.bool_val(false);
    const auto& subs = p.certificates[cert].substitutes;
    for (std::uint32_t s = 0; s < subs.size(); ++s) {
      Rule cond = subs[s].condition
                      ? encode(*subs[s].condition, true,
                               fmt::format("substitute `{}` of `{}`", subs[s].id, p.certificate_infos[cert].id), subs[s].offset)
                      : Rule{c.bool_val(true), c.bool_val(false), {}};
      z3::expr available = c.bool_val(true);
      for (std::uint32_t a : subs[s].all_of) available = available && has(a);
      z3::expr tried = !has(cert) && !earlier_used && available;
      errors = errors || (tried && cond.error);
      z3::expr used = tried && cond.value;
      substitute_conditions[cert].push_back(cond);
      substitute_used[cert].push_back(used);
      earlier_used = earlier_used || used;
    }
    substitute_errors.push_back(errors);
  }

  // Requirements of the matched group.
  z3::expr certificates_ok = c.bool_val(true);
  for (std::uint32_t g = 0; g < p.groups.size(); ++g) {
    requirement_conditions.emplace_back();
    requirement_applies.emplace_back();
    z3::expr ok = c.bool_val(true);
    for (const auto& req : p.groups[g].requirements) {
      Rule cond = req.condition ? encode(*req.condition, true,
                                         fmt::format("the condition of `{}` in group `{}`",
                                                     p.certificate_infos[req.certificate].id, p.group_infos[g].id),
                                         req.offset)
                                : Rule{c.bool_val(true), c.bool_val(false), {}};
      ok = ok && !cond.error && z3::implies(cond.value, !substitute_errors[req.certificate]);
      requirement_conditions.back().push_back(cond);
      requirement_applies.back().push_back(cond.value);
    }
    certificates_ok = certificates_ok && z3::implies(reach[g], ok);
  }

  runs_ok = checks_ok && z3::implies(passed, groups_ok && points_ok && certificates_ok);
}

std::string PolicyModel::unknown_summary() const {
  std::string out;
  for (const auto& u : unknowns) {
    if (!out.empty()) out += "; ";
    out += fmt::format("{} {}", u.what, u.reason);
  }
  return out;
}

// --- witnesses --------------------------------------------------------------------------------

namespace {

std::int64_t model_int(const z3::model& m, const z3::expr& v) {
  z3::expr x = m.eval(v, true);
  if (x.is_bool()) return x.is_true() ? 1 : 0;
  std::int64_t out = 0;
  if (!x.is_numeral_i64(out)) throw Unsupported{"internal: a model value out of range"};
  return out;
}

/// An 18-character resident ID with this birth date and gender (region 370705, check character right).
std::string make_resident_id(std::int64_t birth_days, std::int64_t gender) {
  Date d = Date::from_days(static_cast<std::int32_t>(birth_days));
  std::string date = d.to_string();  // YYYY-MM-DD
  std::string body = "370705" + date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2) + "00" + (gender == 0 ? "1" : "2");
  return body + resident_id_check_character(body);
}

/// Texts read back from a model: the constant a text equals, or a made-up text of its class, the
/// same for the same element (so that equal texts stay equal and different ones differ).
class TextNamer {
 public:
  TextNamer(const z3::model& model, ApplicantVars& vars) : model_(model), vars_(vars) {}

  std::string name(const z3::expr& v) {
    z3::expr e = model_.eval(v, true);
    const unsigned id = Z3_get_ast_id(e.ctx(), e);
    if (auto it = named_.find(id); it != named_.end()) return it->second;
    const StringDomain& d = vars_.strings();
    std::string text;
    for (std::int64_t k = 1; k <= d.size() && text.empty(); ++k)
      if (z3::eq(model_.eval(vars_.text_constant(k), true), e)) text = d.text(k);
    if (text.empty()) {
      std::int64_t cls = 0;
      if (!model_.eval(vars_.text_class(v), true).is_numeral_i64(cls) || cls < 0 || cls > d.size()) cls = 0;
      if (cls == 0 && d.class_zero_empty()) cls = d.code("");
      text = d.other(cls, next_[cls]++);
    }
    named_.emplace(id, text);
    return text;
  }
  /// A text different from every other one named.
  std::string unused() {
    const StringDomain& d = vars_.strings();
    const std::int64_t cls = d.class_zero_empty() ? d.code("") : 0;
    return d.other(cls, next_[cls]++);
  }

 private:
  const z3::model& model_;
  ApplicantVars& vars_;
  std::map<unsigned, std::string> named_;
  std::map<std::int64_t, std::int64_t> next_;
};

struct ValueText {
  std::string json;      // the JSON value
  std::string display;   // masked when it is a resident ID
};

/// A scalar's JSON: `value` from the model (nullopt: any value of the type); texts are named by `texts`.
ValueText scalar_json(const CompiledPolicy& p, const FactDef& def, std::optional<z3::expr> value, const z3::model& model,
                      TextNamer& texts) {
  auto quoted = [](std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
  };
  std::optional<std::int64_t> number;
  if (value && def.type.kind != TypeKind::string) number = model_int(model, *value);
  switch (def.type.kind) {
    case TypeKind::boolean: return {number.value_or(0) ? "true" : "false", number.value_or(0) ? "true" : "false"};
    case TypeKind::integer: { auto s = std::to_string(number.value_or(0)); return {s, s}; }
    case TypeKind::decimal: { auto s = Decimal::from_units(number.value_or(0)).to_string(); return {s, s}; }
    case TypeKind::date: {
      auto s = quoted(Date::from_days(static_cast<std::int32_t>(number.value_or(Date::parse("2000-01-01")->days()))).to_string());
      return {s, s};
    }
    case TypeKind::enumeration: {
      auto s = quoted(p.enums[def.type.id].values.at(static_cast<std::size_t>(number.value_or(0))));
      return {s, s};
    }
    case TypeKind::string: {
      std::string text = value ? texts.name(*value) : texts.unused();
      return {quoted(text), quoted(def.type.resident_id ? mask_resident_id(text) : text)};
    }
    default: return {"null", "null"};
  }
}

}  // namespace

Witness build_witness(const std::vector<const PolicyModel*>& models, const z3::model& model, int serial) {
  Witness w;
  JsonWriter full(w.json), shown(w.display);
  full.begin_object();
  shown.begin_object();
  std::set<std::string> written;
  auto member = [&](const std::string& key, const ValueText& v) {
    if (!written.insert(key).second) return;
    full.key(key);
    full.raw(v.json);
    shown.key(key);
    shown.raw(v.display);
  };
  bool has_id_fact = false;
  // One namer for every model: diff's two models share the text constants.
  TextNamer texts(model, const_cast<ApplicantVars&>(models.front()->vars));
  for (const PolicyModel* pm : models) {
    const CompiledPolicy& p = pm->p;
    const ApplicantVars& vars = pm->vars;
    for (std::uint32_t i = 0; i < p.facts.size(); ++i) {
      const FactDef& def = p.facts[i];
      if (def.context) {
        // Bound from the evaluation context, not the applicant record: the values the rules read
        // (and any value without a default), for admit::Context / `admit explain --context`.
        auto it = vars.facts_.find(i);
        if (it == vars.facts_.end() && (def.has_default || !def.read)) continue;
        bool seen = false;
        for (const auto& [path, value] : w.context) seen = seen || path == def.path;
        if (seen) continue;
        ValueText v = scalar_json(p, def, it == vars.facts_.end() ? std::nullopt : std::optional(it->second), model, texts);
        w.context.emplace_back(def.path, v.json);
        continue;
      }
      if (def.path == "id") has_id_fact = true;
      if (written.count(def.path)) continue;
      if (auto id = vars.ids_.find(i); id != vars.ids_.end()) {
        std::string text = model_int(model, id->second.valid)
                               ? make_resident_id(model_int(model, id->second.birth), model_int(model, id->second.gender))
                               : std::string("not-an-id");
        std::string quoted, masked;
        append_json_string(quoted, text);
        append_json_string(masked, mask_resident_id(text));
        member(def.path, {quoted, masked});
        continue;
      }
      auto it = vars.facts_.find(i);
      if (it != vars.facts_.end()) {
        member(def.path, scalar_json(p, def, it->second, model, texts));
      } else if (!def.has_default) {
        // Not read by any rule: any value of the type will do.
        if (def.type.kind == TypeKind::string && def.path == "id") member(def.path, {"\"example\"", "\"example\""});
        else member(def.path, scalar_json(p, def, std::nullopt, model, texts));
      }
    }
    for (std::uint32_t l = 0; l < p.lists.size(); ++l) {
      const ListDef& def = p.lists[l];
      if (written.count(def.path)) continue;
      auto count_it = vars.counts_.find(l);
      std::int64_t count = count_it == vars.counts_.end() ? 0 : model_int(model, count_it->second);
      if (count == 0) continue;
      written.insert(def.path);
      full.key(def.path);
      shown.key(def.path);
      full.begin_array();
      shown.begin_array();
      for (std::int64_t item = 0; item < count; ++item) {
        full.begin_object();
        shown.begin_object();
        for (std::uint32_t f = 0; f < def.fields.size(); ++f) {
          const FactDef& field = def.fields[f];
          auto it = vars.fields_.find({l, static_cast<std::uint32_t>(item), f});
          if (it == vars.fields_.end() && field.has_default) continue;
          ValueText v = scalar_json(p, field, it == vars.fields_.end() ? std::nullopt : std::optional(it->second), model, texts);
          full.key(field.path);
          full.raw(v.json);
          shown.key(field.path);
          shown.raw(v.display);
        }
        full.end_object();
        shown.end_object();
      }
      full.end_array();
      shown.end_array();
    }
  }
  if (!has_id_fact) member("id", {fmt::format("\"example-{}\"", serial), fmt::format("\"example-{}\"", serial)});
  for (const char* which : {"verified", "submitted"}) {
    std::vector<std::string> ids;
    for (const PolicyModel* pm : models) {
      const auto& map = std::string_view(which) == "verified" ? pm->vars.verified_ : pm->vars.submitted_;
      for (const auto& [cert, v] : map)
        if (model_int(model, v)) {
          const std::string& id = pm->p.certificate_infos[cert].id;
          if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
        }
    }
    if (ids.empty()) continue;
    std::sort(ids.begin(), ids.end());
    full.key(which);
    shown.key(which);
    full.begin_array();
    shown.begin_array();
    for (const auto& id : ids) {
      full.string(id);
      shown.string(id);
    }
    full.end_array();
    shown.end_array();
  }
  full.end_object();
  shown.end_object();
  return w;
}

std::string Witness::context_json(const Policy* policy) const {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  for (const auto& [path, value] : context) {
    if (policy) {
      const CompiledPolicy& p = policy->compiled();
      auto it = p.fact_by_path.find(path);
      if (it == p.fact_by_path.end() || !p.facts[it->second].context) continue;
    }
    w.key(path);
    w.raw(value);
  }
  w.end_object();
  return out;
}

namespace {
/// Binds the witness's context and record for `policy`; false (and why) when either does not bind.
bool bind_witness(const Policy& policy, const Witness& witness, Context& context, Applicant& applicant, std::string* why) {
  BindError error;
  if (!witness.context.empty() && !context.bind_json(witness.context_json(&policy), &error)) {
    if (why) *why = "the example's context does not bind: " + error.message;
    return false;
  }
  applicant.use_context(&context);
  if (!applicant.bind_json(witness.json, &error)) {
    if (why) *why = "the example does not bind: " + error.message;
    return false;
  }
  return true;
}
}  // namespace

bool replay(const Policy& policy, const Witness& witness, Decision& decision, std::string* why) {
  Context context(policy);
  Applicant applicant(policy);
  if (!bind_witness(policy, witness, context, applicant, why)) return false;
  policy.evaluate(applicant, decision);
  if (!decision.ok()) {
    if (why) *why = "the example stops with a run-time error: " + decision.error();
    return false;
  }
  return true;
}

std::optional<std::int64_t> run_rule(const Policy& policy, const Witness& witness, const vm::Segment& segment) {
  Context context(policy);
  Applicant applicant(policy);
  if (!bind_witness(policy, witness, context, applicant, nullptr)) return std::nullopt;
  const CompiledPolicy& p = policy.compiled();
  std::vector<std::int64_t> registers(p.program.register_count, 0);
  std::copy(p.program.constants.begin(), p.program.constants.end(), registers.begin() + p.program.fact_count);
  std::copy(applicant.storage().slots, applicant.storage().slots + p.slot_count, registers.begin());
  vm::RunResult r = vm::run_segment(p.program, segment, registers.data());
  if (r.error != vm::ErrorCode::none) return std::nullopt;
  return r.value;
}

}  // namespace admit::internal::analysis
