// Symbolic execution of segments into Z3 terms. See symbolic.hpp for the scheme.

#include "analysis/symbolic.hpp"

#include <algorithm>
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

// --- ApplicantVars ----------------------------------------------------------------------------

ApplicantVars::ApplicantVars(z3::context& context, const CompiledPolicy& policy, std::string prefix)
    : used_as_string(policy.facts.size(), false),
      used_as_id(policy.facts.size(), false),
      ctx_(context),
      policy_(policy),
      prefix_(std::move(prefix)) {}

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
      z3::expr v = ctx_.int_const(name.c_str());
      string_facts_.emplace_back(v, 0);
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
  if (f.type.kind == TypeKind::string) throw Unsupported{fmt::format("reads the text field `{}.{}`", def.path, f.path)};
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

std::int64_t ApplicantVars::string_class(const std::string& text) {
  auto it = std::find(strings_.begin(), strings_.end(), text);
  if (it != strings_.end()) return (it - strings_.begin()) + 1;
  strings_.push_back(text);
  return static_cast<std::int64_t>(strings_.size());
}

z3::expr ApplicantVars::domain() const {
  z3::expr all = ctx_.bool_val(true);
  for (const auto& c : constraints_) all = all && c;
  for (const auto& [v, unused] : string_facts_)
    all = all && v >= 0 && v <= ctx_.int_val(static_cast<std::int64_t>(strings_.size()));
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
};

struct Sym {
  // poisoned: paths disagree on a value that cannot be merged (m->name says why); an error only if read.
  enum class Kind : std::uint8_t { concrete, integer, boolean, string_fact, list, monotone, poisoned };
  Kind kind = Kind::concrete;
  std::int64_t k = 0;                // concrete; string_fact: fact index; list: list index
  std::optional<z3::expr> e;         // integer / boolean
  std::int64_t upper = kMax64;       // integer: a known upper bound (list lengths, enums) for unrolling
  std::shared_ptr<const Monotone> m;  // monotone

  static Sym concrete(std::int64_t v) { return Sym{Kind::concrete, v, std::nullopt, kMax64, nullptr}; }
  static Sym integer(z3::expr v, std::int64_t upper = kMax64) { return Sym{Kind::integer, 0, v, upper, nullptr}; }
  static Sym boolean(z3::expr v) { return Sym{Kind::boolean, 0, v, kMax64, nullptr}; }
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
    case Sym::Kind::boolean: return z3::eq(*a.e, *b.e);
    case Sym::Kind::monotone:
    case Sym::Kind::poisoned: return a.m == b.m;
  }
  return false;
}

}  // namespace

std::string describe_op(vm::Op op) {
  switch (op) {
    case vm::Op::starts_with: return "uses starts_with on a fact";
    case vm::Op::date_month: return "uses month()";
    case vm::Op::date_day: return "uses day()";
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
      bool any_bool = false, any_int = false, other = false;
      for (const auto& [g, v] : defined) {
        any_bool |= v->kind == Sym::Kind::boolean;
        any_int |= v->kind == Sym::Kind::integer;
        other |= v->kind == Sym::Kind::string_fact || v->kind == Sym::Kind::list || v->kind == Sym::Kind::monotone ||
                 v->kind == Sym::Kind::poisoned;
      }
      if (other) {
        // Kept only if never read (often a loop's scratch register); reading it reports the construct.
        std::string why = "chooses between text values";
        for (const auto& [g, v] : defined)
          if (v->kind == Sym::Kind::monotone) why = fmt::format("uses the result of {} in a conditional value", v->m->name);
        auto reason = std::make_shared<Monotone>(Monotone{c.int_val(0), {}, true, 0, 0, why});
        out.regs.emplace(r, Sym{Sym::Kind::poisoned, 0, std::nullopt, kMax64, reason});
        continue;
      }
      const bool boolean = any_bool && !any_int;
      std::optional<z3::expr> value;
      std::int64_t upper = kMin64;
      for (auto it = defined.rbegin(); it != defined.rend(); ++it) {
        z3::expr v = boolean ? as_bool(*it->second) : as_int(*it->second);
        upper = std::max(upper, it->second->kind == Sym::Kind::concrete ? it->second->k : it->second->upper);
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
      if (other.kind != Sym::Kind::concrete)
        throw Unsupported{fmt::format("compares the result of {} with a non-constant", m.name)};
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

  Sym string_equal(const Sym& b, const Sym& cc) {
    if (b.kind == Sym::Kind::concrete && cc.kind == Sym::Kind::concrete) return Sym::concrete(string_of(b) == string_of(cc));
    if (b.kind == Sym::Kind::string_fact && cc.kind == Sym::Kind::string_fact) {
      if (b.k == cc.k) return Sym::concrete(1);
      throw Unsupported{"compares two text facts"};
    }
    const Sym& f = b.kind == Sym::Kind::string_fact ? b : cc;
    const Sym& k = b.kind == Sym::Kind::string_fact ? cc : b;
    if (f.kind != Sym::Kind::string_fact) throw Unsupported{"compares computed text"};
    const auto fact = static_cast<std::uint32_t>(f.k);
    vars.used_as_string.at(fact) = true;
    return Sym::boolean(vars.fact(fact) == c.int_val(vars.string_class(string_of(k))));
  }

  std::uint32_t id_fact(const Sym& s, const char* fn) {
    if (s.kind != Sym::Kind::string_fact) throw Unsupported{fmt::format("calls {} on a computed value", fn)};
    return static_cast<std::uint32_t>(s.k);
  }

  // A monotone date function applied to a symbolic date with the other argument constant.
  Sym calendar(vm::Op op, const Sym& b, const Sym& cc, z3::expr& err, const z3::expr& guard) {
    using vm::Op;
    const char* name = op == Op::years_between ? "years_between/age_on" : op == Op::months_between ? "months_between"
                       : op == Op::add_months ? "add_months" : op == Op::add_years ? "add_years" : "year()";
    auto m = std::make_shared<Monotone>(Monotone{c.int_val(0), {}, true, Date::kMinDays, Date::kMaxDays, name});
    const bool date_args = op == Op::years_between || op == Op::months_between;
    if (date_args) {
      if (b.kind != Sym::Kind::concrete && cc.kind != Sym::Kind::concrete)
        throw Unsupported{fmt::format("uses {} of two non-constant dates", name)};
      const bool from_symbolic = b.kind != Sym::Kind::concrete;
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
  Sym compose(const Sym& m, std::function<std::optional<std::int64_t>(std::int64_t)> f, bool flips) {
    auto inner = m.m;
    auto out = std::make_shared<Monotone>(*inner);
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
          Sym b = read(st, in.b), cc = read(st, in.c);
          if (b.kind != Sym::Kind::concrete || cc.kind != Sym::Kind::concrete) throw Unsupported{describe_op(in.op)};
          set(Sym::concrete(std::string_view(string_of(b)).starts_with(string_of(cc))));
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
            if (other.kind != Sym::Kind::concrete || (sub && !left))
              throw Unsupported{fmt::format("uses the result of {} in arithmetic", (left ? b : cc).m->name)};
            const std::int64_t k = other.k;
            const Op op = in.op;
            set(compose(left ? b : cc, [k, op](std::int64_t v) -> std::optional<std::int64_t> {
              std::int64_t out = 0;
              if (op == Op::minimum) return std::min(v, k);
              if (op == Op::maximum) return std::max(v, k);
              if ((op == Op::subtract ? vm::op_subtract(v, k, out) : vm::op_add(v, k, out)) != vm::ErrorCode::none)
                return std::nullopt;
              return out;
            }, false));
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
            set(compose(b, [](std::int64_t v) -> std::optional<std::int64_t> {
              std::int64_t out = 0;
              if (vm::op_int_to_decimal(v, out) != vm::ErrorCode::none) return std::nullopt;
              return out;
            }, false));
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
          if (b.kind != Sym::Kind::concrete) throw Unsupported{describe_op(in.op)};
          set(Sym::concrete(vm::op_date_part(b.k, in.op == Op::date_month ? 1 : 2)));
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
