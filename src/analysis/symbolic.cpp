// Symbolic execution of segments into Z3 terms. See symbolic.hpp for the scheme.

#include "analysis/symbolic.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "admit/date.hpp"
#include "admit/resident_id.hpp"
#include "vm/ops.hpp"

namespace admit::internal::analysis {

namespace {
constexpr std::int64_t kMin64 = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kOne = 1'000'000;  // a decimal's micro-units
// Integer division rounding toward minus infinity for a positive divisor (SMT-LIB `div`).
z3::expr idiv(const z3::expr& a, const z3::expr& b) { return a / b; }
}  // namespace

// --- StringDomain ---------------------------------------------------------------------------

StringDomain::StringDomain(const std::vector<const CompiledPolicy*>& policies) {
  std::set<std::string> all;
  for (const CompiledPolicy* p : policies)
    for (const auto& text : p->program.string_constants) all.insert(std::string(*text));
  texts_.assign(all.begin(), all.end());
  // A class's made-up texts are its prefix, then a marker whose first character no constant
  // continues the prefix with: such a text equals no constant, and its longest constant prefix is
  // the class's prefix, so it starts with exactly the constants the prefix starts with.
  static const char* const kMarkers[] = {"other", "-other", "_other", "~other", "+other", ".other", "#other", "@other",
                                         "xother", "zother", "qother", "!other", "=other", "^other", "|other"};
  for (std::size_t j = 0; j <= texts_.size(); ++j) {
    const std::string prefix = j == 0 ? std::string() : texts_[j - 1];
    std::set<char> blocked;
    for (const auto& t : texts_)
      if (t.size() > prefix.size() && std::string_view(t).starts_with(prefix)) blocked.insert(t[prefix.size()]);
    std::string marker;
    for (const char* m : kMarkers)
      if (!blocked.count(m[0])) {
        marker = m;
        break;
      }
    if (marker.empty()) complete_ = false;
    markers_.push_back(marker);
    if (j > 0 && prefix.empty()) empty_constant_ = true;
  }
}

std::int64_t StringDomain::code(std::string_view text) const {
  auto it = std::lower_bound(texts_.begin(), texts_.end(), text);
  if (it == texts_.end() || *it != text) throw Unsupported{"internal: a text constant missing from the string domain"};
  return (it - texts_.begin()) + 1;
}

std::string StringDomain::other(std::int64_t j, std::int64_t i) const {
  const std::string prefix = j == 0 ? std::string() : texts_.at(static_cast<std::size_t>(j - 1));
  return prefix + markers_.at(static_cast<std::size_t>(j)) + (i == 0 ? std::string() : std::to_string(i));
}

// --- ApplicantVars ----------------------------------------------------------------------------

ApplicantVars::ApplicantVars(z3::context& context, const CompiledPolicy& policy, std::string prefix,
                             std::shared_ptr<const StringDomain> strings)
    : used_as_string(policy.facts.size(), false),
      used_as_id(policy.facts.size(), false),
      ctx_(context),
      policy_(policy),
      prefix_(std::move(prefix)),
      strings_(strings ? std::move(strings) : std::make_shared<const StringDomain>(std::vector<const CompiledPolicy*>{&policy})) {}

// Size limits of the exact encodings that make the solver slow when there are many of them (a list
// of 64 records with a text or a date compared with a context value): beyond them the rule is
// reported as unknown, with the reason.
constexpr unsigned kMaxCivil = 16;      // dates split into year, month and day
constexpr unsigned kMaxListTexts = 0;   // text fields of list records

ApplicantVars::CivilVars ApplicantVars::civil(const z3::expr& days) {
  const unsigned id = Z3_get_ast_id(ctx_, days);
  if (auto it = civil_.find(id); it != civil_.end()) return it->second.second;
  if (civil_count_ >= kMaxCivil)
    throw Unsupported{fmt::format(
        "uses years_between/age_on/months_between of two non-constant dates, or month()/day(), on more dates than the "
        "exact encoding allows ({})", kMaxCivil)};
  const std::string base = fmt::format("{}civil#{}", prefix_, civil_count_++);
  CivilVars v{ctx_.int_const((base + ".year").c_str()), ctx_.int_const((base + ".month").c_str()),
              ctx_.int_const((base + ".day").c_str())};
  // days_from_civil for years 1-9999 (src/value/date.cpp), linear: year - 1 = 400a + 100b + 4c + d
  // (a < 25, b < 4, c < 25, d < 4) has 146097a + 36524b + 1461c + 365d days before it, and is a
  // leap year when d = 3 unless c = 24 and b < 3 (divisible by 100, not by 400).
  auto fresh = [&](const char* part) { return ctx_.int_const((base + part).c_str()); };
  const z3::expr a = fresh(".q400"), b = fresh(".q100"), q4 = fresh(".q4"), r = fresh(".r4");
  const z3::expr leap = r == 3 && (q4 != 24 || b == 3);
  static constexpr int kBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  static constexpr int kLength[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  z3::expr before = ctx_.int_val(kBefore[11]), length = ctx_.int_val(kLength[11]);
  for (int m = 10; m >= 0; --m) {
    before = z3::ite(v.month == m + 1, ctx_.int_val(kBefore[m]), before);
    length = z3::ite(v.month == m + 1, m == 1 ? z3::ite(leap, ctx_.int_val(29), ctx_.int_val(28)) : ctx_.int_val(kLength[m]), length);
  }
  const z3::expr number = 146097 * a + 36524 * b + 1461 * q4 + 365 * r + before +
                          z3::ite(v.month > 2 && leap, ctx_.int_val(1), ctx_.int_val(0)) + v.day - 1 +
                          ctx_.int_val(Date::kMinDays);
  const z3::expr valid = days >= ctx_.int_val(Date::kMinDays) && days <= ctx_.int_val(Date::kMaxDays);
  constraints_.push_back(a >= 0 && a <= 24 && b >= 0 && b <= 3 && q4 >= 0 && q4 <= 24 && r >= 0 && r <= 3);
  constraints_.push_back(v.year == 1 + 400 * a + 100 * b + 4 * q4 + r);
  constraints_.push_back(z3::implies(valid, v.month >= 1 && v.month <= 12 && v.day >= 1 && v.day <= length && days == number));
  civil_.emplace(id, std::make_pair(days, v));
  return v;
}

z3::expr ApplicantVars::make_scalar(const std::string& name, const FactDef& def, std::uint32_t enum_size) {
  switch (def.type.kind) {
    case TypeKind::boolean: return ctx_.bool_const(name.c_str());
    case TypeKind::integer:
    case TypeKind::decimal: {
      z3::expr v = ctx_.int_const(name.c_str());
      constraints_.push_back(v >= ctx_.int_val(kMin64) && v <= ctx_.int_val(kMax64));
      return v;
    }
    case TypeKind::date: {
      z3::expr v = ctx_.int_const(name.c_str());
      constraints_.push_back(v >= ctx_.int_val(Date::kMinDays) && v <= ctx_.int_val(Date::kMaxDays));
      return v;
    }
    case TypeKind::enumeration: {
      z3::expr v = ctx_.int_const(name.c_str());
      constraints_.push_back(v >= 0 && v < ctx_.int_val(static_cast<std::int64_t>(enum_size)));
      return v;
    }
    case TypeKind::string: {
      z3::expr v = ctx_.constant(name.c_str(), text_sort());
      string_vars_.push_back(v);
      return v;
    }
    default: throw Unsupported{fmt::format("fact `{}` has an unsupported type", def.path)};
  }
}

z3::expr ApplicantVars::fact(std::uint32_t index) {
  auto it = facts_.find(index);
  if (it != facts_.end()) return it->second;
  const FactDef& def = policy_.facts.at(index);
  std::uint32_t enum_size =
      def.type.kind == TypeKind::enumeration ? static_cast<std::uint32_t>(policy_.enums[def.type.id].values.size()) : 0;
  z3::expr v = make_scalar(prefix_ + def.path, def, enum_size);
  facts_.emplace(index, v);
  return v;
}

z3::expr ApplicantVars::list_count(std::uint32_t list) {
  auto it = counts_.find(list);
  if (it != counts_.end()) return it->second;
  const ListDef& def = policy_.lists.at(list);
  z3::expr v = ctx_.int_const((prefix_ + def.path + "#count").c_str());
  constraints_.push_back(v >= 0 && v <= ctx_.int_val(static_cast<std::int64_t>(def.max_items)));
  counts_.emplace(list, v);
  return v;
}

z3::expr ApplicantVars::field(std::uint32_t list, std::uint32_t item, std::uint32_t field) {
  auto key = std::make_tuple(list, item, field);
  auto it = fields_.find(key);
  if (it != fields_.end()) return it->second;
  const ListDef& def = policy_.lists.at(list);
  const FactDef& f = def.fields.at(field);
  std::uint32_t enum_size =
      f.type.kind == TypeKind::enumeration ? static_cast<std::uint32_t>(policy_.enums[f.type.id].values.size()) : 0;
  if (f.type.kind == TypeKind::string && list_texts_++ >= kMaxListTexts)
    throw Unsupported{kMaxListTexts == 0
                          ? fmt::format("reads the text field `{}.{}` of a list record", def.path, f.path)
                          : fmt::format("reads the text field `{}.{}` of more list records than the exact encoding allows ({})",
                                        def.path, f.path, kMaxListTexts)};
  z3::expr v = make_scalar(fmt::format("{}{}[{}].{}", prefix_, def.path, item, f.path), f, enum_size);
  fields_.emplace(key, v);
  return v;
}

z3::expr ApplicantVars::verified(std::uint32_t certificate) {
  auto it = verified_.find(certificate);
  if (it != verified_.end()) return it->second;
  const auto& info = policy_.certificate_infos.at(certificate);
  z3::expr v = ctx_.bool_const((prefix_ + "verified:" + info.id).c_str());
  // Only a certificate with a data-sharing source can come back verified.
  if (info.verified_by.empty()) constraints_.push_back(!v);
  verified_.emplace(certificate, v);
  return v;
}

z3::expr ApplicantVars::submitted(std::uint32_t certificate) {
  auto it = submitted_.find(certificate);
  if (it != submitted_.end()) return it->second;
  z3::expr v = ctx_.bool_const((prefix_ + "submitted:" + policy_.certificate_infos.at(certificate).id).c_str());
  submitted_.emplace(certificate, v);
  return v;
}

z3::expr ApplicantVars::id_valid(std::uint32_t fact) {
  auto it = ids_.find(fact);
  if (it == ids_.end()) {
    const std::string base = prefix_ + policy_.facts.at(fact).path;
    IdVars vars{ctx_.bool_const((base + "#valid").c_str()), ctx_.int_const((base + "#birth").c_str()),
                ctx_.int_const((base + "#gender").c_str())};
    // An 18-character number holds any real date of years 1-9999; gender is the parity of digit 17.
    constraints_.push_back(vars.birth >= ctx_.int_val(Date::kMinDays) && vars.birth <= ctx_.int_val(Date::kMaxDays));
    constraints_.push_back(vars.gender >= 0 && vars.gender <= 1);
    it = ids_.emplace(fact, vars).first;
  }
  used_as_id.at(fact) = true;
  return it->second.valid;
}
z3::expr ApplicantVars::id_birth(std::uint32_t fact) {
  id_valid(fact);
  return ids_.at(fact).birth;
}
z3::expr ApplicantVars::id_gender(std::uint32_t fact) {
  id_valid(fact);
  return ids_.at(fact).gender;
}

z3::sort ApplicantVars::text_sort() const { return ctx_.uninterpreted_sort("Text"); }

z3::expr ApplicantVars::text_constant(std::int64_t code) {
  // Named by code: two models sharing a StringDomain (diff) share the constants.
  return ctx_.constant(fmt::format("text#{}", code).c_str(), text_sort());
}

z3::expr ApplicantVars::text_class(const z3::expr& text) {
  z3::func_decl cls = ctx_.function("text#class", text_sort(), ctx_.int_sort());
  return cls(text);
}

z3::expr ApplicantVars::is_constant_text(const z3::expr& text) {
  z3::expr any = ctx_.bool_val(false);
  for (std::int64_t k = 1; k <= strings_->size(); ++k) any = any || text == text_constant(k);
  return any;
}

z3::expr ApplicantVars::domain() const {
  z3::expr all = ctx_.bool_val(true);
  for (const auto& c : constraints_) all = all && c;
  if (!string_vars_.empty()) {
    auto* self = const_cast<ApplicantVars*>(this);
    // The constants are distinct texts; a text that is none of them belongs to one class.
    // With a sentinel (text#0, no text of its own), so that every constant is in the assertions and
    // a model never equates a text with a constant by completion.
    z3::expr_vector constants(ctx_);
    for (std::int64_t k = 0; k <= strings_->size(); ++k) constants.push_back(self->text_constant(k));
    all = all && z3::distinct(constants);
    for (const auto& v : string_vars_) {
      z3::expr cls = self->text_class(v);
      all = all && cls >= 0 && cls <= ctx_.int_val(strings_->size());
      if (strings_->class_zero_empty()) all = all && cls != 0;
    }
  }
  return all;
}

// --- symbolic values --------------------------------------------------------------------------

namespace {

/// A value of a calendar function of one symbolic date, f(x) with f monotone: kept as a function
/// so that a comparison with a constant becomes an interval of x (found by binary search with the
/// evaluator's own function), which is exact.
struct Monotone {
  z3::expr arg;
  std::function<std::optional<std::int64_t>(std::int64_t)> fn;  // nullopt: run-time error there
  bool increasing = true;                                         // non-decreasing (else non-increasing)
  std::int64_t lo = Date::kMinDays, hi = Date::kMaxDays;          // where fn is evaluated
  std::string name;
  // The same value as an exact Int term (over the date's calendar fields), for every other use;
  // empty when there is none (then such a use is outside the fragment). magnitude bounds |f(x)|.
  std::function<z3::expr()> exact;
  std::int64_t magnitude = 0;
};

struct Sym {
  // poisoned: paths disagree on a value that cannot be merged (m->name says why); an error only if read.
  // text: a text value that is not a fact (a list field, a choice between texts): e is its code.
  enum class Kind : std::uint8_t { concrete, integer, boolean, string_fact, text, list, monotone, poisoned };
  Kind kind = Kind::concrete;
  std::int64_t k = 0;                // concrete; string_fact: fact index; list: list index
  std::optional<z3::expr> e;         // integer / boolean / text
  std::int64_t upper = kMax64;       // integer: a known upper bound (list lengths, enums) for unrolling
  std::shared_ptr<const Monotone> m;  // monotone

  static Sym concrete(std::int64_t v) { return Sym{Kind::concrete, v, std::nullopt, kMax64, nullptr}; }
  static Sym integer(z3::expr v, std::int64_t upper = kMax64) { return Sym{Kind::integer, 0, v, upper, nullptr}; }
  static Sym boolean(z3::expr v) { return Sym{Kind::boolean, 0, v, kMax64, nullptr}; }
  static Sym text(z3::expr v) { return Sym{Kind::text, -1, v, kMax64, nullptr}; }
};

struct State {
  z3::expr guard;
  std::map<std::uint32_t, Sym> regs;  // temporaries written so far
};

bool same(const Sym& a, const Sym& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Sym::Kind::concrete:
    case Sym::Kind::string_fact:
    case Sym::Kind::list: return a.k == b.k;
    case Sym::Kind::integer:
    case Sym::Kind::text:
    case Sym::Kind::boolean: return z3::eq(*a.e, *b.e);
    case Sym::Kind::monotone:
    case Sym::Kind::poisoned: return a.m == b.m;
  }
  return false;
}

}  // namespace

std::string describe_op(vm::Op op) {
  switch (op) {
    case vm::Op::starts_with: return "uses starts_with with a prefix that is not a constant";
    default: return fmt::format("uses the operation `{}`", vm::name_of(op));
  }
}

struct SegmentEncoder::Impl {
  ApplicantVars& vars;
  z3::context& c;
  const CompiledPolicy& p;
  const vm::Program& prog;
  std::map<std::int64_t, std::string> string_constants;  // constant slot value -> text
  std::map<std::uint32_t, std::uint32_t> list_by_slot;
  std::map<std::uint32_t, std::uint32_t> loop_end;       // loop header -> last back-jump to it
  std::map<std::uint32_t, std::vector<State>> pending;
  std::vector<std::pair<z3::expr, Sym>> returns;
  z3::expr error;
  std::size_t budget = 2'000'000;  // instructions executed per segment (unrolled), a hang guard

  explicit Impl(ApplicantVars& v)
      : vars(v), c(v.context()), p(v.policy()), prog(v.policy().program), error(v.context().bool_val(false)) {
    for (const auto& s : prog.string_constants) string_constants.emplace(vm::slot_of(s.get()), std::string(*s));
    for (std::uint32_t i = 0; i < p.lists.size(); ++i) list_by_slot.emplace(p.lists[i].slot, i);
    for (std::uint32_t pc = 0; pc < prog.code.size(); ++pc) {
      const vm::Instr& in = prog.code[pc];
      if (jumps(in.op) && in.a <= pc) loop_end[in.a] = std::max(loop_end[in.a], pc);
    }
  }

  static bool jumps(vm::Op op) {
    return op == vm::Op::jump || op == vm::Op::jump_if_false || op == vm::Op::jump_if_true ||
           vm::is_fused_branch(op) || op == vm::Op::branch_unless_equal_immediate;
  }

  // --- conversions ---
  z3::expr as_int(const Sym& s) {
    switch (s.kind) {
      case Sym::Kind::concrete: return c.int_val(s.k);
      case Sym::Kind::integer: return *s.e;
      case Sym::Kind::boolean: return z3::ite(*s.e, c.int_val(1), c.int_val(0));
      case Sym::Kind::monotone:
        if (s.m->exact) return s.m->exact();
        throw Unsupported{fmt::format("uses the result of {} other than in a comparison with a constant", s.m->name)};
      default: throw Unsupported{"uses a text or list value as a number"};
    }
  }
  z3::expr as_bool(const Sym& s) {
    switch (s.kind) {
      case Sym::Kind::concrete: return c.bool_val(s.k != 0);
      case Sym::Kind::boolean: return *s.e;
      case Sym::Kind::integer: return *s.e != 0;
      default: return as_int(s) != 0;
    }
  }
  // v / 10^6 when v is syntactically a whole number of units (a multiple of 10^6), else nullopt.
  std::optional<z3::expr> whole_units(const z3::expr& v, int depth = 0) {
    if (depth > 16) return std::nullopt;
    std::int64_t k = 0;
    if (v.is_numeral_i64(k)) {
      if (k % kOne == 0) return c.int_val(k / kOne);
      return std::nullopt;
    }
    if (!v.is_app()) return std::nullopt;
    const Z3_decl_kind kind = v.decl().decl_kind();
    if (kind == Z3_OP_MUL && v.num_args() == 2) {
      for (unsigned i = 0; i < 2; ++i) {
        std::int64_t n = 0;
        if (v.arg(i).is_numeral_i64(n) && n % kOne == 0)
          return n == kOne ? v.arg(1 - i) : v.arg(1 - i) * c.int_val(n / kOne);
      }
      if (auto a = whole_units(v.arg(0), depth + 1)) return *a * v.arg(1);
      if (auto b = whole_units(v.arg(1), depth + 1)) return v.arg(0) * *b;
      return std::nullopt;
    }
    if (kind == Z3_OP_ITE) {
      auto a = whole_units(v.arg(1), depth + 1), b = whole_units(v.arg(2), depth + 1);
      if (a && b) return z3::ite(v.arg(0), *a, *b);
      return std::nullopt;
    }
    if (kind == Z3_OP_ADD || kind == Z3_OP_SUB) {
      std::optional<z3::expr> out;
      for (unsigned i = 0; i < v.num_args(); ++i) {
        auto a = whole_units(v.arg(i), depth + 1);
        if (!a) return std::nullopt;
        out = !out ? *a : kind == Z3_OP_ADD ? *out + *a : *out - *a;
      }
      return out;
    }
    if (kind == Z3_OP_UMINUS) {
      if (auto a = whole_units(v.arg(0), depth + 1)) return -*a;
    }
    return std::nullopt;
  }

  z3::expr in_range(const z3::expr& v) { return v >= c.int_val(kMin64) && v <= c.int_val(kMax64); }

  Sym read(const State& st, std::uint32_t r) {
    if (r < p.facts.size()) {
      const FactDef& def = p.facts[r];
      // Evaluation-context values (`context:`, the school's parameters) are free like facts: a proof
      // holds for every school; an example needing other than the defaults fails its replay (unknown).
      if (def.type.kind == TypeKind::string) return Sym{Sym::Kind::string_fact, r, std::nullopt, kMax64, nullptr};
      z3::expr v = vars.fact(r);
      if (def.type.kind == TypeKind::boolean) return Sym::boolean(v);
      std::int64_t upper = def.type.kind == TypeKind::enumeration
                               ? static_cast<std::int64_t>(p.enums[def.type.id].values.size()) - 1
                               : kMax64;
      return Sym::integer(v, upper);
    }
    if (auto it = list_by_slot.find(r); it != list_by_slot.end())
      return Sym{Sym::Kind::list, it->second, std::nullopt, kMax64, nullptr};
    if (r >= prog.fact_count && r < prog.fact_count + prog.constants.size())
      return Sym::concrete(prog.constants[r - prog.fact_count]);
    auto it = st.regs.find(r);
    if (it == st.regs.end()) throw Unsupported{"internal: a register is read before it is written"};
    if (it->second.kind == Sym::Kind::poisoned) throw Unsupported{it->second.m->name};
    return it->second;
  }

  // --- merging ---
  State merge(std::vector<State>& states) {
    if (states.size() == 1) return std::move(states.front());
    z3::expr guard = c.bool_val(false);
    for (const auto& s : states) guard = guard || s.guard;
    std::set<std::uint32_t> keys;
    for (const auto& s : states)
      for (const auto& [r, v] : s.regs) keys.insert(r);
    State out{guard, {}};
    for (std::uint32_t r : keys) {
      std::vector<std::pair<z3::expr, const Sym*>> defined;
      for (const auto& s : states)
        if (auto it = s.regs.find(r); it != s.regs.end()) defined.emplace_back(s.guard, &it->second);
      bool all_same = true;
      for (const auto& [g, v] : defined) all_same = all_same && same(*v, *defined.front().second);
      if (all_same) {
        out.regs.emplace(r, *defined.front().second);
        continue;
      }
      bool texts = true, any_text = false;
      for (const auto& [g, v] : defined) {
        const bool is_text = v->kind == Sym::Kind::string_fact || v->kind == Sym::Kind::text;
        any_text |= is_text;
        texts &= is_text || (v->kind == Sym::Kind::concrete && string_constants.count(v->k));
      }
      if (texts && any_text) {
        // A choice between texts: the code of the text of the path taken.
        std::optional<z3::expr> value;
        for (auto it = defined.rbegin(); it != defined.rend(); ++it) {
          z3::expr v = text_code(*it->second);
          value = value ? z3::ite(it->first, v, *value) : v;
        }
        out.regs.emplace(r, Sym::text(*value));
        continue;
      }
      bool any_bool = false, any_int = false, other = false;
      for (const auto& [g, v] : defined) {
        any_bool |= v->kind == Sym::Kind::boolean;
        any_int |= v->kind == Sym::Kind::integer || v->kind == Sym::Kind::monotone;
        other |= v->kind == Sym::Kind::string_fact || v->kind == Sym::Kind::text || v->kind == Sym::Kind::list ||
                 (v->kind == Sym::Kind::monotone && !v->m->exact) || v->kind == Sym::Kind::poisoned;
      }
      if (other) {
        // Kept only if never read (often a loop's scratch register); reading it reports the construct.
        std::string why = "chooses between text values";
        for (const auto& [g, v] : defined)
          if (v->kind == Sym::Kind::monotone) why = fmt::format("uses the result of {} in a conditional value", v->m->name);
        auto reason = std::make_shared<Monotone>(Monotone{c.int_val(0), {}, true, 0, 0, why, {}, 0});
        out.regs.emplace(r, Sym{Sym::Kind::poisoned, 0, std::nullopt, kMax64, reason});
        continue;
      }
      const bool boolean = any_bool && !any_int;
      std::optional<z3::expr> value;
      std::int64_t upper = kMin64;
      for (auto it = defined.rbegin(); it != defined.rend(); ++it) {
        z3::expr v = boolean ? as_bool(*it->second) : as_int(*it->second);
        upper = std::max(upper, it->second->kind == Sym::Kind::concrete ? it->second->k
                                : it->second->kind == Sym::Kind::monotone ? kMax64 : it->second->upper);
        value = value ? z3::ite(it->first, v, *value) : v;
      }
      out.regs.emplace(r, boolean ? Sym::boolean(*value) : Sym::integer(*value, upper));
    }
    return out;
  }

  void push(std::uint32_t target, State st) { pending[target].push_back(std::move(st)); }

  // --- comparisons ---
  // A monotone f(x) compared with constant k: the set of x where it holds, as constraints on x.
  z3::expr monotone_at_least(const Monotone& m, std::int64_t k) {
    // {x : f(x) >= k}; for increasing f it is [t, hi], for decreasing [lo, t].
    auto holds = [&](std::int64_t x) {
      auto v = m.fn(x);
      return v && *v >= k;
    };
    std::int64_t lo = m.lo, hi = m.hi;
    if (m.increasing) {
      if (!holds(hi)) return c.bool_val(false);
      while (lo < hi) {  // smallest x with holds(x)
        std::int64_t mid = lo + (hi - lo) / 2;
        if (holds(mid)) hi = mid; else lo = mid + 1;
      }
      return m.arg >= c.int_val(lo);
    }
    if (!holds(lo)) return c.bool_val(false);
    while (lo < hi) {  // largest x with holds(x)
      std::int64_t mid = lo + (hi - lo + 1) / 2;
      if (holds(mid)) lo = mid; else hi = mid - 1;
    }
    return m.arg <= c.int_val(lo);
  }

  Sym compare(vm::Op op, const Sym& b, const Sym& cc) {
    using vm::Op;
    if (b.kind == Sym::Kind::concrete && cc.kind == Sym::Kind::concrete) {
      std::int64_t x = b.k, y = cc.k;
      bool r = op == Op::equal ? x == y : op == Op::not_equal ? x != y : op == Op::less ? x < y
             : op == Op::less_equal ? x <= y : op == Op::greater ? x > y : x >= y;
      return Sym::concrete(r);
    }
    // Loop bounds: index (concrete) against a bounded length.
    if (b.kind == Sym::Kind::concrete && cc.kind == Sym::Kind::integer) {
      if ((op == Op::less && b.k >= cc.upper) || (op == Op::less_equal && b.k > cc.upper)) return Sym::concrete(0);
    }
    if (b.kind == Sym::Kind::monotone || cc.kind == Sym::Kind::monotone) {
      const bool left = b.kind == Sym::Kind::monotone;
      const Sym& other = left ? cc : b;
      const Monotone& m = left ? *b.m : *cc.m;
      if (other.kind != Sym::Kind::concrete) {
        if (!m.exact) throw Unsupported{fmt::format("compares the result of {} with a non-constant", m.name)};
        return compare(op, Sym::integer(as_int(b)), Sym::integer(as_int(cc)));
      }
      // Normalise to f(x) OP k.
      Op o = op;
      if (!left) o = op == Op::less ? Op::greater : op == Op::less_equal ? Op::greater_equal
                   : op == Op::greater ? Op::less : op == Op::greater_equal ? Op::less_equal : op;
      const std::int64_t k = other.k;
      auto ge = [&](std::int64_t v) {
        if (v == kMin64) return c.bool_val(true);
        return monotone_at_least(m, v);
      };
      auto ge_next = [&](std::int64_t v) { return v == kMax64 ? c.bool_val(false) : monotone_at_least(m, v + 1); };
      z3::expr r = c.bool_val(false);
      switch (o) {
        case Op::greater_equal: r = ge(k); break;
        case Op::greater: r = ge_next(k); break;
        case Op::less: r = !ge(k); break;
        case Op::less_equal: r = !ge_next(k); break;
        case Op::equal: r = ge(k) && !ge_next(k); break;
        default: r = !(ge(k) && !ge_next(k)); break;
      }
      return Sym::boolean(r.simplify());
    }
    if (op == Op::equal || op == Op::not_equal) {
      z3::expr r = (b.kind == Sym::Kind::boolean && cc.kind == Sym::Kind::boolean) ? (*b.e == *cc.e)
                   : (b.kind == Sym::Kind::boolean && cc.kind == Sym::Kind::concrete) ? (*b.e == c.bool_val(cc.k != 0))
                   : (cc.kind == Sym::Kind::boolean && b.kind == Sym::Kind::concrete) ? (*cc.e == c.bool_val(b.k != 0))
                   : (as_int(b) == as_int(cc));
      return Sym::boolean(op == Op::equal ? r : !r);
    }
    z3::expr x = as_int(b), y = as_int(cc);
    switch (op) {
      case Op::less: return Sym::boolean(x < y);
      case Op::less_equal: return Sym::boolean(x <= y);
      case Op::greater: return Sym::boolean(x > y);
      default: return Sym::boolean(x >= y);
    }
  }

  std::string string_of(const Sym& s) {
    auto it = string_constants.find(s.k);
    if (s.kind != Sym::Kind::concrete || it == string_constants.end()) throw Unsupported{"internal: unknown text constant"};
    return it->second;
  }

  // A text value's code in the string domain (docs/analysis.md: equal texts have equal codes).
  z3::expr text_code(const Sym& s) {
    switch (s.kind) {
      case Sym::Kind::concrete: return vars.text_constant(vars.strings().code(string_of(s)));
      case Sym::Kind::string_fact: {
        const auto fact = static_cast<std::uint32_t>(s.k);
        vars.used_as_string.at(fact) = true;
        return vars.fact(fact);
      }
      case Sym::Kind::text: return *s.e;
      default: throw Unsupported{"internal: a text operand that is not text"};
    }
  }

  Sym string_equal(const Sym& b, const Sym& cc) {
    if (b.kind == Sym::Kind::concrete && cc.kind == Sym::Kind::concrete) return Sym::concrete(string_of(b) == string_of(cc));
    if (b.kind == Sym::Kind::string_fact && cc.kind == Sym::Kind::string_fact && b.k == cc.k) return Sym::concrete(1);
    return Sym::boolean(text_code(b) == text_code(cc));
  }

  Sym starts_with(const Sym& b, const Sym& cc) {
    if (cc.kind != Sym::Kind::concrete) throw Unsupported{describe_op(vm::Op::starts_with)};
    const std::string prefix = string_of(cc);
    if (b.kind == Sym::Kind::concrete) return Sym::concrete(std::string_view(string_of(b)).starts_with(prefix));
    if (prefix.empty()) return Sym::concrete(1);
    if (!vars.strings().complete()) throw Unsupported{"uses starts_with on texts whose constants leave no text unused"};
    // A constant that starts with the prefix, or another text whose class (its longest constant
    // prefix) starts with it.
    z3::expr x = text_code(b), any = c.bool_val(false), classes = c.bool_val(false);
    const StringDomain& d = vars.strings();
    for (std::int64_t k = 1; k <= d.size(); ++k)
      if (std::string_view(d.text(k)).starts_with(prefix)) any = any || x == vars.text_constant(k);
    z3::expr cls = vars.text_class(x);
    for (std::int64_t j = 1; j <= d.size(); ++j)
      if (std::string_view(d.text(j)).starts_with(prefix)) classes = classes || cls == c.int_val(j);
    return Sym::boolean(any || (!vars.is_constant_text(x) && classes));
  }

  std::uint32_t id_fact(const Sym& s, const char* fn) {
    if (s.kind != Sym::Kind::string_fact) throw Unsupported{fmt::format("calls {} on a computed value", fn)};
    return static_cast<std::uint32_t>(s.k);
  }

  // A date's calendar fields as terms: numerals for a constant, the exact decomposition otherwise.
  struct Civil {
    z3::expr year, month, day;
  };
  Civil civil_of(const Sym& date) {
    if (date.kind == Sym::Kind::concrete) {
      const Date d = Date::from_days(static_cast<std::int32_t>(date.k));
      return Civil{c.int_val(d.year()), c.int_val(d.month()), c.int_val(d.day())};
    }
    auto v = vars.civil(as_int(date));
    return Civil{v.year, v.month, v.day};
  }

  // years_between / months_between of two dates (src/value/date.cpp), exactly: the difference of
  // the years (or months), less one when the later date has not reached the earlier one's month and
  // day (or day); 29 February needs no case of its own (a year without it has no day between 28
  // February and 1 March). For a later `from` the result is the negated count the other way.
  z3::expr exact_between(bool years, const Sym& from, const Sym& to) {
    const Civil f = civil_of(from), t = civil_of(to);
    const z3::expr one = c.int_val(1), zero = c.int_val(0);
    const z3::expr forward = as_int(to) >= as_int(from);
    if (years) {
      const z3::expr kf = 32 * f.month + f.day, kt = 32 * t.month + t.day;
      return z3::ite(forward, t.year - f.year - z3::ite(kt < kf, one, zero), t.year - f.year + z3::ite(kf < kt, one, zero));
    }
    const z3::expr months = 12 * (t.year - f.year) + t.month - f.month;
    return z3::ite(forward, months - z3::ite(t.day < f.day, one, zero), months + z3::ite(f.day < t.day, one, zero));
  }

  // A monotone date function applied to a symbolic date with the other argument constant.
  Sym calendar(vm::Op op, const Sym& b, const Sym& cc, z3::expr& err, const z3::expr& guard) {
    using vm::Op;
    const char* name = op == Op::years_between ? "years_between/age_on" : op == Op::months_between ? "months_between"
                       : op == Op::add_months ? "add_months" : op == Op::add_years ? "add_years" : "year()";
    auto m = std::make_shared<Monotone>(Monotone{c.int_val(0), {}, true, Date::kMinDays, Date::kMaxDays, name, {}, 0});
    const bool date_args = op == Op::years_between || op == Op::months_between;
    if (date_args) {
      if (b.kind != Sym::Kind::concrete && cc.kind != Sym::Kind::concrete)
        return Sym::integer(exact_between(op == Op::years_between, b, cc));
      const bool from_symbolic = b.kind != Sym::Kind::concrete;
      m->exact = [this, years = op == Op::years_between, b, cc] { return exact_between(years, b, cc); };
      m->magnitude = op == Op::years_between ? 10'000 : 120'000;
      m->arg = as_int(from_symbolic ? b : cc);
      const std::int64_t fixed = from_symbolic ? cc.k : b.k;
      const bool years = op == Op::years_between;
      m->increasing = !from_symbolic;
      m->fn = [fixed, from_symbolic, years](std::int64_t x) -> std::optional<std::int64_t> {
        std::int64_t from = from_symbolic ? x : fixed, to = from_symbolic ? fixed : x;
        return years ? vm::op_years_between(from, to) : vm::op_months_between(from, to);
      };
      return Sym{Sym::Kind::monotone, 0, std::nullopt, kMax64, m};
    }
    if (op == Op::date_year) {
      m->arg = as_int(b);
      m->fn = [](std::int64_t x) -> std::optional<std::int64_t> { return vm::op_date_part(x, 0); };
      m->exact = [this, b] { return civil_of(b).year; };
      m->magnitude = 10'000;
      return Sym{Sym::Kind::monotone, 0, std::nullopt, kMax64, m};
    }
    // add_months / add_years with a constant count: non-decreasing in the date; errors outside a range.
    if (cc.kind != Sym::Kind::concrete) throw Unsupported{fmt::format("uses {} with a non-constant count", name)};
    m->arg = as_int(b);
    const std::int64_t n = cc.k;
    const bool months = op == Op::add_months;
    m->fn = [n, months](std::int64_t x) -> std::optional<std::int64_t> {
      std::int64_t out = 0;
      auto e = months ? vm::op_add_months(x, n, out) : vm::op_add_years(x, n, out);
      if (e != vm::ErrorCode::none) return std::nullopt;
      return out;
    };
    // Where it succeeds: an interval of x (shifting by n months is monotone and clamps at the ends).
    std::int64_t lo = Date::kMinDays, hi = Date::kMaxDays;
    auto ok = [&](std::int64_t x) { return m->fn(x).has_value(); };
    if (n > 0) {  // fails for late dates: largest ok x
      if (!ok(lo)) { err = err || guard; m->hi = lo; }
      std::int64_t a = lo, z = hi;
      while (a < z) { std::int64_t mid = a + (z - a + 1) / 2; if (ok(mid)) a = mid; else z = mid - 1; }
      m->hi = a;
    } else if (n < 0) {
      std::int64_t a = lo, z = hi;
      while (a < z) { std::int64_t mid = a + (z - a) / 2; if (ok(mid)) z = mid; else a = mid + 1; }
      m->lo = a;
    }
    err = err || (guard && (m->arg < c.int_val(m->lo) || m->arg > c.int_val(m->hi)));
    return Sym{Sym::Kind::monotone, 0, std::nullopt, kMax64, m};
  }

  // Applies `f` to a monotone value with a constant (x + k, min(x, k), ...), keeping it monotone.
  // exact: the same on the exact term; magnitude: a bound of |f(v)| for |v| <= the inner bound (0: none).
  Sym compose(const Sym& m, std::function<std::optional<std::int64_t>(std::int64_t)> f, bool flips,
              std::function<z3::expr(const z3::expr&)> exact = nullptr, std::int64_t magnitude = 0) {
    auto inner = m.m;
    auto out = std::make_shared<Monotone>(*inner);
    out->exact = nullptr;
    if (inner->exact && exact && magnitude > 0) {
      out->exact = [inner, exact] { return exact(inner->exact()); };
      out->magnitude = magnitude;
    }
    out->fn = [inner, f](std::int64_t x) -> std::optional<std::int64_t> {
      auto v = inner->fn(x);
      if (!v) return std::nullopt;
      return f(*v);
    };
    if (flips) out->increasing = !out->increasing;
    return Sym{Sym::Kind::monotone, 0, std::nullopt, kMax64, out};
  }

  // --- the walk ---
  void run_region(std::uint32_t lo, std::uint32_t hi, std::uint32_t loop_header, std::vector<State>* continues) {
    while (true) {
      auto it = pending.lower_bound(lo);
      if (it == pending.end() || it->first >= hi) return;
      std::uint32_t pc = it->first;
      std::vector<State> states = std::move(it->second);
      pending.erase(it);
      State st = merge(states);
      if (auto loop = loop_end.find(pc); loop != loop_end.end() && pc != loop_header) {
        // Unroll: each pass runs the body once; back-jumps are the next pass's entry.
        State current = std::move(st);
        for (std::uint32_t pass = 0;; ++pass) {
          if (pass > 1100) throw Unsupported{"a loop does not end within the list bound"};
          std::vector<State> next;
          pending[pc].push_back(std::move(current));
          run_region(pc, loop->second + 1, pc, &next);
          if (next.empty()) break;
          current = merge(next);
        }
        continue;
      }
      step_from(pc, std::move(st), hi, loop_header, continues);
    }
  }

  void route(std::uint32_t from, std::uint32_t target, State st, std::uint32_t loop_header, std::vector<State>* continues) {
    if (target == loop_header && continues) {
      continues->push_back(std::move(st));
      return;
    }
    if (target <= from) throw Unsupported{"internal: an unexpected backward jump"};
    push(target, std::move(st));
  }

  void step_from(std::uint32_t pc, State st, std::uint32_t hi, std::uint32_t loop_header, std::vector<State>* continues) {
    using vm::Op;
    while (true) {
      if (budget-- == 0) throw Unsupported{"the rule is too large to unroll"};
      const vm::Instr& in = prog.code.at(pc);
      auto set = [&](Sym v) { st.regs[in.a] = std::move(v); };
      auto fall = [&]() -> bool {  // continue straight on unless another path joins here
        ++pc;
        if (pending.count(pc) || pc >= hi || loop_end.count(pc)) {
          push(pc, std::move(st));
          return false;
        }
        return true;
      };
      auto branch = [&](const Sym& cond, bool jump_when) -> bool {
        if (cond.kind == Sym::Kind::concrete) {
          if ((cond.k != 0) == jump_when) {
            route(pc, in.a, std::move(st), loop_header, continues);
            return false;
          }
          return fall();
        }
        z3::expr b = as_bool(cond);
        State taken{st.guard && (jump_when ? b : !b), st.regs};
        route(pc, in.a, std::move(taken), loop_header, continues);
        st.guard = st.guard && (jump_when ? !b : b);
        return fall();
      };
      auto checked = [&](const z3::expr& value) {
        st.regs[in.a] = Sym::integer(value);
        error = error || (st.guard && !in_range(value));
      };
      const Sym* monotone_operand = nullptr;
      switch (in.op) {
        case Op::move: set(read(st, in.b)); if (!fall()) return; break;
        case Op::equal: case Op::not_equal: case Op::less: case Op::less_equal: case Op::greater: case Op::greater_equal:
          set(compare(in.op, read(st, in.b), read(st, in.c)));
          if (!fall()) return;
          break;
        case Op::string_equal: case Op::string_not_equal: {
          Sym r = string_equal(read(st, in.b), read(st, in.c));
          if (in.op == Op::string_not_equal) r = r.kind == Sym::Kind::concrete ? Sym::concrete(!r.k) : Sym::boolean(!*r.e);
          set(r);
          if (!fall()) return;
          break;
        }
        case Op::starts_with: {
          set(starts_with(read(st, in.b), read(st, in.c)));
          if (!fall()) return;
          break;
        }
        case Op::add: case Op::subtract: case Op::minimum: case Op::maximum: {
          Sym b = read(st, in.b), cc = read(st, in.c);
          const bool sub = in.op == Op::subtract;
          if (b.kind == Sym::Kind::concrete && cc.kind == Sym::Kind::concrete) {
            std::int64_t out = 0;
            if (in.op == Op::minimum || in.op == Op::maximum) {
              set(Sym::concrete(in.op == Op::minimum ? std::min(b.k, cc.k) : std::max(b.k, cc.k)));
            } else if ((sub ? vm::op_subtract(b.k, cc.k, out) : vm::op_add(b.k, cc.k, out)) != vm::ErrorCode::none) {
              error = error || st.guard;
              set(Sym::concrete(0));
            } else {
              set(Sym::concrete(out));
            }
          } else if (b.kind == Sym::Kind::monotone || cc.kind == Sym::Kind::monotone) {
            const bool left = b.kind == Sym::Kind::monotone;
            const Sym& other = left ? cc : b;
            const Sym& mono = left ? b : cc;
            if (other.kind != Sym::Kind::concrete || (sub && !left)) {
              if (!mono.m->exact) throw Unsupported{fmt::format("uses the result of {} in arithmetic", mono.m->name)};
              z3::expr x = as_int(b), y = as_int(cc);
              if (in.op == Op::minimum) set(Sym::integer(z3::ite(x <= y, x, y)));
              else if (in.op == Op::maximum) set(Sym::integer(z3::ite(x >= y, x, y)));
              else checked(sub ? x - y : x + y);
              if (!fall()) return;
              break;
            }
            const std::int64_t k = other.k;
            const Op op = in.op;
            // Exact (and without overflow) while |f| + |k| stays far from the 64-bit limits.
            const std::int64_t mag = mono.m->magnitude;
            const std::int64_t abs_k = k == kMin64 ? kMax64 : (k < 0 ? -k : k);
            const std::int64_t out_mag =
                (op == Op::minimum || op == Op::maximum) ? std::max(mag, abs_k)
                : (mag > 0 && abs_k < (std::int64_t{1} << 61) && mag < (std::int64_t{1} << 61)) ? mag + abs_k : 0;
            set(compose(mono, [k, op](std::int64_t v) -> std::optional<std::int64_t> {
              std::int64_t out = 0;
              if (op == Op::minimum) return std::min(v, k);
              if (op == Op::maximum) return std::max(v, k);
              if ((op == Op::subtract ? vm::op_subtract(v, k, out) : vm::op_add(v, k, out)) != vm::ErrorCode::none)
                return std::nullopt;
              return out;
            }, false, [this, k, op](const z3::expr& v) {
              const z3::expr kk = c.int_val(k);
              return op == Op::minimum ? z3::ite(v <= kk, v, kk) : op == Op::maximum ? z3::ite(v >= kk, v, kk)
                     : op == Op::subtract ? v - kk : v + kk;
            }, out_mag));
          } else {
            z3::expr x = as_int(b), y = as_int(cc);
            if (in.op == Op::minimum) set(Sym::integer(z3::ite(x <= y, x, y)));
            else if (in.op == Op::maximum) set(Sym::integer(z3::ite(x >= y, x, y)));
            else checked(sub ? x - y : x + y);
          }
          if (!fall()) return;
          break;
        }
        case Op::multiply_int: case Op::multiply_decimal: case Op::int_to_decimal: case Op::negate: case Op::absolute: {
          Sym b = read(st, in.b);
          Sym cc = (in.op == Op::multiply_int || in.op == Op::multiply_decimal) ? read(st, in.c) : Sym::concrete(0);
          if (b.kind == Sym::Kind::concrete && cc.kind == Sym::Kind::concrete) {
            std::int64_t out = 0;
            vm::ErrorCode e = in.op == Op::multiply_int ? vm::op_multiply_int(b.k, cc.k, out)
                              : in.op == Op::multiply_decimal ? vm::op_multiply_decimal(b.k, cc.k, out)
                              : in.op == Op::int_to_decimal ? vm::op_int_to_decimal(b.k, out)
                              : in.op == Op::negate ? vm::op_negate(b.k, out) : vm::op_absolute(b.k, out);
            if (e != vm::ErrorCode::none) error = error || st.guard;
            set(Sym::concrete(out));
            if (!fall()) return;
            break;
          }
          if (b.kind == Sym::Kind::monotone && in.op == Op::int_to_decimal) {
            const std::int64_t mag = b.m->magnitude;
            set(compose(b, [](std::int64_t v) -> std::optional<std::int64_t> {
              std::int64_t out = 0;
              if (vm::op_int_to_decimal(v, out) != vm::ErrorCode::none) return std::nullopt;
              return out;
            }, false, [this](const z3::expr& v) { return v * c.int_val(kOne); },
                        mag > 0 && mag < kMax64 / kOne ? mag * kOne : 0));
            if (!fall()) return;
            break;
          }
          z3::expr x = as_int(b);
          switch (in.op) {
            case Op::multiply_int: checked(x * as_int(cc)); break;
            case Op::int_to_decimal: checked(x * c.int_val(kOne)); break;
            case Op::negate: checked(-x); break;
            case Op::absolute: checked(z3::ite(x >= 0, x, -x)); break;
            default: {
              // A whole number of units (an int made decimal, a whole constant) times y is exact:
              // no rounding, so no division for the solver (the benchmark's `0.5 * min(n, 60)`).
              z3::expr y = as_int(cc);
              if (auto u = whole_units(x)) { checked(*u * y); break; }
              if (auto u = whole_units(y)) { checked(*u * x); break; }
              // Rounded to 6 places, ties to even: floor, then the remainder decides.
              z3::expr q = x * as_int(cc);
              z3::expr fl = idiv(q, c.int_val(kOne));
              z3::expr rem = q - fl * c.int_val(kOne);
              z3::expr odd = z3::mod(fl, c.int_val(2)) == 1;
              z3::expr half = c.int_val(kOne / 2);
              checked(fl + z3::ite(rem > half || (rem == half && odd), c.int_val(1), c.int_val(0)));
            }
          }
          if (!fall()) return;
          break;
        }
        case Op::divide_decimal: {
          Sym b = read(st, in.b), cc = read(st, in.c);
          if (cc.kind != Sym::Kind::concrete) throw Unsupported{"divides by a value that is not a constant"};
          if (b.kind == Sym::Kind::concrete) {
            std::int64_t out = 0;
            if (vm::op_divide_decimal(b.k, cc.k, out) != vm::ErrorCode::none) error = error || st.guard;
            set(Sym::concrete(out));
          } else if (cc.k == 0) {
            error = error || st.guard;
            set(Sym::concrete(0));
          } else {
            // x / d rounded half even = round(x * 10^6 / d): normalise to a positive divisor.
            z3::expr num = as_int(b) * c.int_val(kOne);
            std::int64_t d = cc.k;
            if (d < 0) {
              if (d == kMin64) throw Unsupported{"divides by the smallest integer"};
              num = -num;
              d = -d;
            }
            z3::expr dv = c.int_val(d);
            z3::expr fl = idiv(num, dv);
            z3::expr rem2 = (num - fl * dv) * 2;
            z3::expr odd = z3::mod(fl, c.int_val(2)) == 1;
            checked(fl + z3::ite(rem2 > dv || (rem2 == dv && odd), c.int_val(1), c.int_val(0)));
          }
          if (!fall()) return;
          break;
        }
        case Op::logical_not: {
          Sym b = read(st, in.b);
          set(b.kind == Sym::Kind::concrete ? Sym::concrete(b.k == 0) : Sym::boolean(!as_bool(b)));
          if (!fall()) return;
          break;
        }
        case Op::in_mask: {
          Sym b = read(st, in.b), cc = read(st, in.c);
          if (cc.kind != Sym::Kind::concrete) throw Unsupported{"internal: a set that is not constant"};
          if (b.kind == Sym::Kind::concrete) {
            set(Sym::concrete((static_cast<std::uint64_t>(cc.k) >> (b.k & 63)) & 1u));
          } else {
            z3::expr x = as_int(b), any = c.bool_val(false);
            for (int bit = 0; bit < 64; ++bit)
              if ((static_cast<std::uint64_t>(cc.k) >> bit) & 1u) any = any || x == bit;
            set(Sym::boolean(any));
          }
          if (!fall()) return;
          break;
        }
        case Op::table: {
          Sym b = read(st, in.b);
          if (b.kind == Sym::Kind::concrete) {
            set(Sym::concrete(prog.tables.at(in.c + static_cast<std::size_t>(b.k))));
          } else {
            if (b.kind != Sym::Kind::integer || b.upper == kMax64 || b.upper < 0) throw Unsupported{"internal: a table index without bound"};
            z3::expr x = *b.e;
            z3::expr v = c.int_val(prog.tables.at(in.c + static_cast<std::size_t>(b.upper)));
            for (std::int64_t i = b.upper - 1; i >= 0; --i)
              v = z3::ite(x == c.int_val(i), c.int_val(prog.tables.at(in.c + static_cast<std::size_t>(i))), v);
            set(Sym::integer(v));
          }
          if (!fall()) return;
          break;
        }
        case Op::jump: route(pc, in.a, std::move(st), loop_header, continues); return;
        case Op::jump_if_false: if (!branch(read(st, in.b), false)) return; break;
        case Op::jump_if_true: if (!branch(read(st, in.b), true)) return; break;
        case Op::branch_if_equal: case Op::branch_unless_equal: case Op::branch_if_less: case Op::branch_unless_less:
        case Op::branch_if_less_equal: case Op::branch_unless_less_equal: {
          Op cmp = (in.op == Op::branch_if_equal || in.op == Op::branch_unless_equal) ? Op::equal
                   : (in.op == Op::branch_if_less || in.op == Op::branch_unless_less) ? Op::less : Op::less_equal;
          bool when = in.op == Op::branch_if_equal || in.op == Op::branch_if_less || in.op == Op::branch_if_less_equal;
          if (!branch(compare(cmp, read(st, in.b), read(st, in.c)), when)) return;
          break;
        }
        case Op::branch_unless_equal_immediate:
          if (!branch(compare(Op::not_equal, read(st, in.b), Sym::concrete(static_cast<std::int32_t>(in.c))), true)) return;
          break;
        case Op::set_immediate: set(Sym::concrete(static_cast<std::int32_t>(in.c))); if (!fall()) return; break;
        case Op::years_between: case Op::months_between: case Op::add_months: case Op::add_years: case Op::date_year: {
          Sym b = read(st, in.b);
          Sym cc = in.op == Op::date_year ? Sym::concrete(0) : read(st, in.c);
          if (b.kind == Sym::Kind::concrete && cc.kind == Sym::Kind::concrete) {
            std::int64_t out = 0;
            vm::ErrorCode e = vm::ErrorCode::none;
            switch (in.op) {
              case Op::years_between: out = vm::op_years_between(b.k, cc.k); break;
              case Op::months_between: out = vm::op_months_between(b.k, cc.k); break;
              case Op::add_months: e = vm::op_add_months(b.k, cc.k, out); break;
              case Op::add_years: e = vm::op_add_years(b.k, cc.k, out); break;
              default: out = vm::op_date_part(b.k, 0);
            }
            if (e != vm::ErrorCode::none) error = error || st.guard;
            set(Sym::concrete(out));
          } else {
            set(calendar(in.op, b, cc, error, st.guard));
          }
          if (!fall()) return;
          break;
        }
        case Op::add_days: {
          Sym b = read(st, in.b), cc = read(st, in.c);
          if (b.kind == Sym::Kind::concrete && cc.kind == Sym::Kind::concrete) {
            std::int64_t out = 0;
            if (vm::op_add_days(b.k, cc.k, out) != vm::ErrorCode::none) error = error || st.guard;
            set(Sym::concrete(out));
          } else {
            z3::expr r = as_int(b) + as_int(cc);
            constexpr std::int64_t kSpan = std::int64_t{Date::kMaxDays} - Date::kMinDays;
            z3::expr n = as_int(cc);
            error = error || (st.guard && (n > c.int_val(kSpan) || n < c.int_val(-kSpan) ||
                                           r < c.int_val(Date::kMinDays) || r > c.int_val(Date::kMaxDays)));
            set(Sym::integer(r));
          }
          if (!fall()) return;
          break;
        }
        case Op::date_month: case Op::date_day: {
          Sym b = read(st, in.b);
          if (b.kind == Sym::Kind::concrete) {
            set(Sym::concrete(vm::op_date_part(b.k, in.op == Op::date_month ? 1 : 2)));
          } else {
            Civil civ = civil_of(b);
            set(Sym::integer(in.op == Op::date_month ? civ.month : civ.day));
          }
          if (!fall()) return;
          break;
        }
        case Op::round_decimal: {
          Sym b = read(st, in.b);
          const int digits = in.d, mode = static_cast<int>(in.c);
          if (b.kind == Sym::Kind::concrete) {
            std::int64_t out = 0;
            if (vm::op_round(b.k, digits, mode, out) != vm::ErrorCode::none) error = error || st.guard;
            set(Sym::concrete(out));
          } else if (digits >= 6 || digits < 0) {
            set(b);
          } else {
            std::int64_t unit = 1;
            for (int i = digits; i < 6; ++i) unit *= 10;
            z3::expr x = as_int(b), u = c.int_val(unit);
            z3::expr floor_v = idiv(x, u) * u;
            z3::expr ceil_v = -(idiv(-x, u) * u);
            z3::expr result = floor_v;
            switch (static_cast<RoundingMode>(mode)) {
              case RoundingMode::floor: result = floor_v; break;
              case RoundingMode::ceil: result = ceil_v; break;
              case RoundingMode::truncate: result = z3::ite(x >= 0, floor_v, ceil_v); break;
              case RoundingMode::half_up: {
                z3::expr h = c.int_val(unit / 2);
                result = z3::ite(x >= 0, idiv(x + h, u) * u, -(idiv(-x + h, u) * u));
                break;
              }
              case RoundingMode::half_even: {
                z3::expr q = idiv(x, u), rem2 = (x - q * u) * 2;
                z3::expr odd = z3::mod(q, c.int_val(2)) == 1;
                result = (q + z3::ite(rem2 > u || (rem2 == u && odd), c.int_val(1), c.int_val(0))) * u;
                break;
              }
            }
            checked(result);
          }
          if (!fall()) return;
          break;
        }
        case Op::id_valid: {
          Sym b = read(st, in.b);
          if (b.kind == Sym::Kind::concrete) set(Sym::concrete(vm::op_id_valid(b.k)));
          else set(Sym::boolean(vars.id_valid(id_fact(b, "id_valid"))));
          if (!fall()) return;
          break;
        }
        case Op::id_birth_date: case Op::id_gender: {
          Sym b = read(st, in.b);
          if (b.kind == Sym::Kind::concrete) {
            std::int64_t out = 0;
            vm::ErrorCode e = in.op == Op::id_birth_date ? vm::op_id_birth_date(b.k, out) : vm::op_id_gender(b.k, out);
            if (e != vm::ErrorCode::none) error = error || st.guard;
            set(Sym::concrete(out));
          } else {
            std::uint32_t f = id_fact(b, in.op == Op::id_birth_date ? "id_birth_date" : "id_gender");
            error = error || (st.guard && !vars.id_valid(f));
            set(Sym::integer(in.op == Op::id_birth_date ? vars.id_birth(f) : vars.id_gender(f)));
          }
          if (!fall()) return;
          break;
        }
        case Op::list_length: {
          Sym b = read(st, in.b);
          if (b.kind != Sym::Kind::list) throw Unsupported{"internal: the length of something that is not a list"};
          const auto list = static_cast<std::uint32_t>(b.k);
          set(Sym::integer(vars.list_count(list), p.lists[list].max_items));
          if (!fall()) return;
          break;
        }
        case Op::load_field: {
          Sym b = read(st, in.b), index = read(st, in.c);
          if (b.kind != Sym::Kind::list) throw Unsupported{"internal: a field of something that is not a list"};
          if (index.kind != Sym::Kind::concrete) throw Unsupported{"indexes a list with a computed position"};
          const auto list = static_cast<std::uint32_t>(b.k);
          const ListDef& def = p.lists[list];
          if (index.k < 0 || index.k >= def.max_items) throw Unsupported{"internal: a list index out of bounds"};
          const FactDef& f = def.fields.at(in.d);
          z3::expr v = vars.field(list, static_cast<std::uint32_t>(index.k), in.d);
          if (f.type.kind == TypeKind::boolean) set(Sym::boolean(v));
          else if (f.type.kind == TypeKind::string) set(Sym::text(v));
          else
            set(Sym::integer(v, f.type.kind == TypeKind::enumeration
                                    ? static_cast<std::int64_t>(p.enums[f.type.id].values.size()) - 1 : kMax64));
          if (!fall()) return;
          break;
        }
        case Op::set_bit: throw Unsupported{describe_op(in.op)};
        case Op::fail: error = error || st.guard; return;
        case Op::ret: returns.emplace_back(st.guard, read(st, in.b)); return;
      }
      (void)monotone_operand;
    }
  }
};

SegmentEncoder::SegmentEncoder(ApplicantVars& vars) : vars_(vars) {}

Encoded SegmentEncoder::encode(const vm::Segment& segment, bool want_bool) {
  z3::context& c = vars_.context();
  Encoded out;
  try {
    Impl impl(vars_);
    std::optional<Sym> result;
    if (segment.trivial) {
      result = impl.read(State{c.bool_val(true), {}}, segment.result_register);
    } else {
      impl.pending[segment.entry].push_back(State{c.bool_val(true), {}});
      impl.run_region(segment.entry, static_cast<std::uint32_t>(impl.prog.code.size()), UINT32_MAX, nullptr);
      if (!impl.pending.empty()) throw Unsupported{"internal: paths left unfinished"};
      if (impl.returns.empty()) {
        result = Sym::concrete(0);  // every path fails: the value is never used
      } else {
        // The value: the return of the path taken (paths are disjoint).
        std::optional<z3::expr> v;
        bool boolean = want_bool;
        for (auto it = impl.returns.rbegin(); it != impl.returns.rend(); ++it) {
          z3::expr x = boolean ? impl.as_bool(it->second) : impl.as_int(it->second);
          v = v ? z3::ite(it->first, x, *v) : x;
        }
        out.value = v->simplify();
      }
    }
    if (result) out.value = want_bool ? impl.as_bool(*result) : impl.as_int(*result);
    out.error = impl.error.simplify();
  } catch (const Unsupported& u) {
    out.value.reset();
    out.error.reset();
    out.unknown = u.reason;
  } catch (const z3::exception& e) {
    out.value.reset();
    out.error.reset();
    out.unknown = fmt::format("the solver rejected the encoding: {}", e.msg());
  }
  return out;
}

}  // namespace admit::internal::analysis
