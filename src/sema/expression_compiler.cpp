// Type checking, constant folding and code generation for expressions.
//
// Registers are allocated with tags while compiling (constants and temporaries are only counted at
// the end) and relocated by finish(): facts first, then constants, then temporaries, so a Decision
// can copy all constants into its register file once.

#include "sema/expression_compiler.hpp"

#include <algorithm>
#include <unordered_set>
#include <fmt/format.h>

#include "expr/parse.hpp"
#include "util/did_you_mean.hpp"
#include "vm/ops.hpp"
#include "vm/optimize.hpp"

namespace admit::internal {

using expr::Ast;
using expr::BinaryOp;
using expr::Node;
using expr::NodeKind;
using expr::UnaryOp;
using vm::ErrorCode;
using vm::Instr;
using vm::Op;

Diagnostic& DiagnosticSink::error(std::string code, std::string message, std::size_t begin, std::size_t end) {
  diagnostics_.push_back(source_->make_diagnostic(Severity::error, std::move(code), std::move(message), begin, end));
  return diagnostics_.back();
}

Diagnostic& DiagnosticSink::warning(std::string code, std::string message, std::size_t begin, std::size_t end) {
  diagnostics_.push_back(source_->make_diagnostic(Severity::warning, std::move(code), std::move(message), begin, end));
  return diagnostics_.back();
}

bool DiagnosticSink::has_errors() const noexcept { return admit::has_errors(diagnostics_); }

namespace {

constexpr std::uint32_t kConstTag = 0x80000000u;
constexpr std::uint32_t kTempTag = 0x40000000u;
constexpr std::uint32_t kTagMask = kConstTag | kTempTag;

std::string type_name(const Type& t, const std::vector<EnumDef>& enums, const std::vector<ListDef>& lists) {
  switch (t.kind) {
    case TypeKind::error: return "<error>";
    case TypeKind::boolean: return "bool";
    case TypeKind::integer: return "int";
    case TypeKind::decimal: return "decimal";
    case TypeKind::date: return "date";
    case TypeKind::string: return t.resident_id ? "resident_id" : "string";
    case TypeKind::enumeration: return "enum `" + enums[t.id].name + "`";
    case TypeKind::list: return "list `" + lists[t.id].path + "`";
    case TypeKind::record: return "record of `" + lists[t.id].path + "`";
  }
  return "?";
}

bool is_numeric(const Type& t) { return t.kind == TypeKind::integer || t.kind == TypeKind::decimal; }

// A compiled sub-expression: a constant or a register.
struct Value {
  Type type;
  bool is_const = false;
  std::int64_t constant = 0;
  std::uint32_t reg = 0;
  bool ok() const { return type.kind != TypeKind::error; }
};

Value error_value() { return Value{}; }

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

}  // namespace

struct LetDef {
  std::string name;
  std::string text;
  std::unique_ptr<ScalarMap> map;
  Ast ast;
  Type type;
  bool ok = false;
  bool simple = false;  // compiles to a constant or a plain register (no code): always inlined
  // How often compiling its tree in place compiles each earlier let (by index), counting lets
  // reached through other lets and uses inside a quantifier twice; saturated at 2.
  std::vector<std::uint8_t> expands;
};

// A let used more than once in a segment is evaluated at most once there (lets are lazy: it runs
// only where the original expression would have run it, since it may fail): its value goes to
// `value`, and `flag` (cleared at the segment's entry) says whether it has been computed. A use
// that the computation dominates reads `value` directly; a use that some path may reach with the
// let computed and some without tests the flag; a use no path reaches after a computation computes
// it outright.
struct CachedLet {
  std::uint32_t let = 0;
  std::uint32_t value = 0;
  std::uint32_t flag = 0;
  bool maybe_computed = false;             // some path to here may have computed it
  std::uint32_t valid_depth = UINT32_MAX;  // region depth of the computation that dominates here
  std::uint32_t computations = 0;          // computations emitted so far (loops compare it)
};

struct BoundVariable {
  std::string name;
  std::uint32_t list_id;
  std::uint32_t list_reg;
  std::uint32_t index_reg;
};

struct ExpressionCompiler::Impl {
  CompiledPolicy& policy;
  vm::Program& program;
  DiagnosticSink& sink;
  const CompileLimits& limits;

  std::vector<LetDef> lets;
  std::unordered_map<std::string, std::uint32_t> let_index;
  std::uint32_t gender_enum = 0;
  std::unordered_map<std::string, Value> metadata_constants;
  std::unordered_set<std::string> poisoned;  // declared, but the declaration had errors

  // Per compilation.
  const Ast* ast = nullptr;
  const ExpressionText* text = nullptr;
  std::vector<BoundVariable> scope;
  std::vector<std::uint32_t>* facts_read = nullptr;
  std::uint32_t temp_count = 0;
  std::uint32_t max_temp_count = 0;
  bool reported = false;
  std::uint32_t let_depth = 0;

  // Let reuse, per segment (see CachedLet). A region is code that may not run whenever the code
  // around it runs (a branch of `and`/`or`/`if`/`match`, a loop body, a guarded computation).
  std::vector<std::int32_t> cache_slot;  // per let: index in `cached`, or -1 (inlined at each use)
  std::vector<CachedLet> cached;
  std::uint32_t region_depth = 0;

  // Constant pool (tagged registers).
  std::vector<std::int64_t> constant_values;
  std::unordered_map<std::int64_t, std::uint32_t> constant_index;

  Impl(CompiledPolicy& p, DiagnosticSink& s, const CompileLimits& l) : policy(p), program(p.program), sink(s), limits(l) {
    EnumDef gender;
    gender.name = "gender";
    gender.values = {"male", "female"};
    gender.labels = {"男", "女"};
    gender.index = {{"male", 0}, {"female", 1}};
    gender_enum = static_cast<std::uint32_t>(policy.enums.size());
    policy.enums.push_back(std::move(gender));
  }

  // --- diagnostics -------------------------------------------------------------------------

  std::size_t file_offset(std::uint32_t expr_offset) const {
    return text->map ? text->map->to_file_offset(expr_offset) : expr_offset;
  }
  Diagnostic& error_at(const Node& node, std::string code, std::string message) {
    reported = true;
    std::size_t begin = file_offset(node.begin);
    std::size_t end = node.end > node.begin ? file_offset(node.end - 1) + 1 : begin + 1;
    return sink.error(std::move(code), std::move(message), begin, end);
  }
  std::string name(const Type& t) const { return type_name(t, policy.enums, policy.lists); }

  // --- registers and emission ----------------------------------------------------------------

  std::uint32_t temp() {
    std::uint32_t r = kTempTag | temp_count++;
    max_temp_count = std::max(max_temp_count, temp_count);
    return r;
  }
  std::uint32_t constant_register(std::int64_t value) {
    auto [it, inserted] = constant_index.try_emplace(value, static_cast<std::uint32_t>(constant_values.size()));
    if (inserted) constant_values.push_back(value);
    return kConstTag | it->second;
  }
  std::uint32_t reg_of(const Value& v) { return v.is_const ? constant_register(v.constant) : v.reg; }
  std::uint32_t here() const { return static_cast<std::uint32_t>(program.code.size()); }
  std::uint32_t emit(Op op, std::uint32_t a, std::uint32_t b = 0, std::uint32_t c = 0, std::uint16_t d = 0,
                     const Node* at = nullptr) {
    program.code.push_back(Instr{op, 0, d, a, b, c});
    program.spans.push_back(at ? static_cast<std::uint32_t>(file_offset(at->begin)) : 0);
    return here() - 1;
  }
  void patch(std::uint32_t pc, std::uint32_t target) { program.code[pc].a = target; }
  // Drops the code emitted since `mark` (a branch that cannot run, or a check-only pass), and what
  // that code did to the let caches.
  void discard(std::uint32_t mark, std::vector<CachedLet> saved_lets) {
    program.code.resize(mark);
    program.spans.resize(mark);
    cached = std::move(saved_lets);
  }

  Value constant(Type t, std::int64_t v) { return Value{t, true, v, 0}; }
  Value in_register(Type t, std::uint32_t r) { return Value{t, false, 0, r}; }

  std::int64_t string_constant(std::string_view s) {
    auto storage = std::make_unique<std::string>(s);
    auto view = std::make_unique<std::string_view>(*storage);
    std::int64_t slot = vm::slot_of(view.get());
    program.string_storage.push_back(std::move(storage));
    program.string_constants.push_back(std::move(view));
    return slot;
  }

  // Binary operation with folding through the interpreter's own semantics.
  Value binary(Op op, Type result, const Value& a, const Value& b, const Node& at) {
    if (a.is_const && b.is_const) {
      std::int64_t out = 0;
      ErrorCode err = fold(op, a.constant, b.constant, out);
      if (err == ErrorCode::none) return constant(result, out);
      error_at(at, "constant-error", fmt::format("this constant expression fails: {}", vm::describe(err)));
      return error_value();
    }
    std::uint32_t dst = temp();
    emit(op, dst, reg_of(a), reg_of(b), 0, &at);
    return in_register(result, dst);
  }
  Value unary(Op op, Type result, const Value& a, const Node& at) {
    if (a.is_const) {
      std::int64_t out = 0;
      ErrorCode err = fold(op, a.constant, 0, out);
      if (err == ErrorCode::none) return constant(result, out);
      error_at(at, "constant-error", fmt::format("this constant expression fails: {}", vm::describe(err)));
      return error_value();
    }
    std::uint32_t dst = temp();
    emit(op, dst, reg_of(a), 0, 0, &at);
    return in_register(result, dst);
  }

  static ErrorCode fold(Op op, std::int64_t a, std::int64_t b, std::int64_t& out) {
    switch (op) {
      case Op::equal: out = a == b; return ErrorCode::none;
      case Op::not_equal: out = a != b; return ErrorCode::none;
      case Op::less: out = a < b; return ErrorCode::none;
      case Op::less_equal: out = a <= b; return ErrorCode::none;
      case Op::greater: out = a > b; return ErrorCode::none;
      case Op::greater_equal: out = a >= b; return ErrorCode::none;
      case Op::string_equal: out = vm::as_string(a) == vm::as_string(b); return ErrorCode::none;
      case Op::string_not_equal: out = vm::as_string(a) != vm::as_string(b); return ErrorCode::none;
      case Op::starts_with: out = vm::as_string(a).starts_with(vm::as_string(b)); return ErrorCode::none;
      case Op::add: return vm::op_add(a, b, out);
      case Op::subtract: return vm::op_subtract(a, b, out);
      case Op::multiply_int: return vm::op_multiply_int(a, b, out);
      case Op::multiply_decimal: return vm::op_multiply_decimal(a, b, out);
      case Op::divide_decimal: return vm::op_divide_decimal(a, b, out);
      case Op::negate: return vm::op_negate(a, out);
      case Op::logical_not: out = !a; return ErrorCode::none;
      case Op::int_to_decimal: return vm::op_int_to_decimal(a, out);
      case Op::minimum: out = std::min(a, b); return ErrorCode::none;
      case Op::maximum: out = std::max(a, b); return ErrorCode::none;
      case Op::absolute: return vm::op_absolute(a, out);
      case Op::in_mask: out = (static_cast<std::uint64_t>(b) >> (a & 63)) & 1u; return ErrorCode::none;
      case Op::years_between: out = vm::op_years_between(a, b); return ErrorCode::none;
      case Op::months_between: out = vm::op_months_between(a, b); return ErrorCode::none;
      case Op::add_days: return vm::op_add_days(a, b, out);
      case Op::add_months: return vm::op_add_months(a, b, out);
      case Op::add_years: return vm::op_add_years(a, b, out);
      case Op::date_year: out = vm::op_date_part(a, 0); return ErrorCode::none;
      case Op::date_month: out = vm::op_date_part(a, 1); return ErrorCode::none;
      case Op::date_day: out = vm::op_date_part(a, 2); return ErrorCode::none;
      case Op::id_valid: out = vm::op_id_valid(a); return ErrorCode::none;
      case Op::id_birth_date: return vm::op_id_birth_date(a, out);
      case Op::id_gender: return vm::op_id_gender(a, out);
      default: break;
    }
    return ErrorCode::overflow;
  }

  Value to_decimal(const Value& v, const Node& at) {
    if (v.type.kind == TypeKind::decimal || !v.ok()) return v;
    return unary(Op::int_to_decimal, Type{TypeKind::decimal}, v, at);
  }

  // Moves a value into a fixed destination register (for branches that join).
  void move_into(std::uint32_t dst, const Value& v) { emit(Op::move, dst, reg_of(v)); }

  // --- types -------------------------------------------------------------------------------

  // The common type of two branches / arms, or error.
  std::optional<Type> unify(const Type& a, const Type& b) {
    if (a == b) return a;
    if (is_numeric(a) && is_numeric(b)) return Type{TypeKind::decimal};
    if (a.kind == TypeKind::string && b.kind == TypeKind::string) return Type{TypeKind::string};
    return std::nullopt;
  }
  Value convert(const Value& v, const Type& to, const Node& at) {
    if (to.kind == TypeKind::decimal && v.type.kind == TypeKind::integer) return to_decimal(v, at);
    Value out = v;
    out.type = to;
    return out;
  }

  // --- names -------------------------------------------------------------------------------

  std::vector<std::string> candidate_names() const {
    std::vector<std::string> names;
    for (const auto& v : scope) names.push_back(v.name);
    for (const auto& l : lets) names.push_back(l.name);
    for (const auto& f : policy.facts) names.push_back(f.path);
    for (const auto& l : policy.lists) names.push_back(l.path);
    for (const auto& [k, v] : metadata_constants) names.push_back(k);
    return names;
  }

  bool resolvable(const Node& n) const {
    if (n.kind != NodeKind::name) return true;
    const std::string& path = n.text;
    std::string head = path.substr(0, path.find('.'));
    for (const auto& v : scope)
      if (v.name == head) return true;
    return let_index.count(path) || policy.fact_by_path.count(path) || policy.list_by_path.count(path) ||
           metadata_constants.count(path);
  }

  Value enum_member(const Node& n, const Type& hint) {
    const EnumDef& e = policy.enums[hint.id];
    auto it = e.index.find(n.text);
    if (it == e.index.end()) return error_value();
    return constant(hint, it->second);
  }

  Value compile_name(const Node& n, const Type* hint) {
    const std::string& path = n.text;
    if (hint && hint->kind == TypeKind::enumeration && path.find('.') == std::string::npos) {
      Value member = enum_member(n, *hint);
      if (member.ok()) return member;
    }
    // Bound quantifier variables: `p` or `p.field`.
    std::string head = path.substr(0, path.find('.'));
    for (auto it = scope.rbegin(); it != scope.rend(); ++it) {
      if (it->name != head) continue;
      const ListDef& list = policy.lists[it->list_id];
      if (head == path) {
        error_at(n, "type-mismatch",
                 fmt::format("`{}` is a record of `{}`; use one of its fields, e.g. `{}.{}`", head, list.path, head,
                             list.fields.empty() ? std::string("field") : list.fields.front().path));
        return error_value();
      }
      std::string field = path.substr(head.size() + 1);
      auto f = list.field_index.find(field);
      if (f == list.field_index.end()) {
        std::vector<std::string_view> names;
        for (const auto& fd : list.fields) names.push_back(fd.path);
        auto& d = error_at(n, "unknown-name", fmt::format("`{}` has no field `{}`", list.path, field));
        std::string hint_name = did_you_mean(field, names);
        if (!hint_name.empty()) d.help = fmt::format("did you mean `{}.{}`?", head, hint_name);
        return error_value();
      }
      std::uint32_t dst = temp();
      emit(Op::load_field, dst, it->list_reg, it->index_reg, static_cast<std::uint16_t>(f->second), &n);
      return in_register(list.fields[f->second].type, dst);
    }
    if (poisoned.count(path)) {
      reported = true;  // its declaration was reported already
      return error_value();
    }
    if (auto l = let_index.find(path); l != let_index.end()) return inline_let(l->second, n);
    if (auto f = policy.fact_by_path.find(path); f != policy.fact_by_path.end()) {
      const FactDef& fact = policy.facts[f->second];
      if (facts_read && std::find(facts_read->begin(), facts_read->end(), fact.slot) == facts_read->end())
        facts_read->push_back(fact.slot);
      return in_register(fact.type, fact.slot);
    }
    if (auto l = policy.list_by_path.find(path); l != policy.list_by_path.end()) {
      const ListDef& list = policy.lists[l->second];
      return in_register(Type{TypeKind::list, l->second}, list.slot);
    }
    if (auto m = metadata_constants.find(path); m != metadata_constants.end()) return m->second;

    if (hint && hint->kind == TypeKind::enumeration) {
      const EnumDef& e = policy.enums[hint->id];
      std::vector<std::string_view> values(e.values.begin(), e.values.end());
      auto& d = error_at(n, "unknown-enum-value",
                         fmt::format("`{}` is not a value of `{}` (values: {})", path, e.name, fmt::join(e.values, ", ")));
      std::string suggestion = did_you_mean(path, values);
      if (!suggestion.empty()) d.help = fmt::format("did you mean `{}`?", suggestion);
      return error_value();
    }
    auto names = candidate_names();
    std::vector<std::string_view> views(names.begin(), names.end());
    auto& d = error_at(n, "unknown-name", fmt::format("unknown name `{}`", path));
    std::string suggestion = did_you_mean(path, views);
    if (!suggestion.empty())
      d.help = fmt::format("did you mean `{}`?", suggestion);
    else
      d.help = "declare it under `facts:` or `let:`";
    return error_value();
  }

  Value inline_let(std::uint32_t index, const Node& use) {
    LetDef& let = lets[index];
    if (!let.ok) {
      reported = true;  // already reported where the let is defined
      return error_value();
    }
    if (let_depth > 32) {
      error_at(use, "limit", "derived values nest too deeply");
      return error_value();
    }
    if (index < cache_slot.size() && cache_slot[index] >= 0) return use_cached_let(static_cast<std::uint32_t>(cache_slot[index]), use);
    return compile_let_tree(index);
  }

  Value use_cached_let(std::uint32_t slot, const Node& use) {
    {
      const CachedLet& c = cached[slot];
      if (c.valid_depth <= region_depth) return in_register(lets[c.let].type, c.value);
    }
    std::uint32_t skip = UINT32_MAX;
    if (cached[slot].maybe_computed) {
      skip = emit(Op::jump_if_true, 0, cached[slot].flag, 0, 0, &use);
      enter_region();
    }
    Value v = compile_let_tree(cached[slot].let);
    CachedLet& c = cached[slot];
    if (v.ok()) {
      emit(Op::move, c.value, reg_of(v));
      emit(Op::move, c.flag, constant_register(1));
    }
    if (skip != UINT32_MAX) {
      leave_region();
      patch(skip, here());
    }
    if (!v.ok()) return v;
    c.maybe_computed = true;
    c.valid_depth = region_depth;
    ++c.computations;
    return in_register(v.type, c.value);
  }

  void enter_region() { ++region_depth; }
  void leave_region() {
    --region_depth;
    for (CachedLet& c : cached)
      if (c.valid_depth != UINT32_MAX && c.valid_depth > region_depth) c.valid_depth = UINT32_MAX;
  }
  // Two exclusive paths (the branches of `if`, the arms of `match`): what one computed the other
  // has not. After both, a let may be computed if either path may have computed it.
  std::vector<bool> maybe_state() const {
    std::vector<bool> out(cached.size());
    for (std::size_t i = 0; i < cached.size(); ++i) out[i] = cached[i].maybe_computed;
    return out;
  }
  void set_maybe(const std::vector<bool>& state) {
    for (std::size_t i = 0; i < cached.size(); ++i) cached[i].maybe_computed = state[i];
  }
  void add_maybe(std::vector<bool>& into) const {
    for (std::size_t i = 0; i < cached.size(); ++i) into[i] = into[i] || cached[i].maybe_computed;
  }

  // Counts, for each let, how often compiling `tree` compiles it in place (see LetDef::expands).
  void count_let_uses(const Ast& tree, std::uint32_t index, std::uint8_t weight, std::vector<std::uint8_t>& counts) const {
    auto add = [](std::uint8_t& into, unsigned by) { into = static_cast<std::uint8_t>(std::min(2u, into + by)); };
    const Node& n = tree.nodes[index];
    if (n.kind == NodeKind::name) {
      if (auto l = let_index.find(n.text); l != let_index.end() && l->second < counts.size()) {
        add(counts[l->second], weight);
        const auto& expands = lets[l->second].expands;
        for (std::size_t k = 0; k < expands.size(); ++k)
          if (expands[k]) add(counts[k], expands[k] * weight);
      }
      return;
    }
    if (n.kind == NodeKind::quantifier) {
      // The list and the default run once; the `where` condition and the body once per record.
      std::size_t i = 0;
      count_let_uses(tree, n.children[i++], weight, counts);
      if (n.flags & expr::kQuantifierHasWhere) count_let_uses(tree, n.children[i++], 2, counts);
      count_let_uses(tree, n.children[i++], 2, counts);
      if (n.flags & expr::kQuantifierHasDefault) count_let_uses(tree, n.children[i++], weight, counts);
      return;
    }
    for (std::uint32_t c : n.children) count_let_uses(tree, c, weight, counts);
  }

  // Starts a segment: lets used more than once get their registers, and their flags are cleared.
  void begin_segment(const Ast& tree) {
    cache_slot.clear();
    cached.clear();
    region_depth = 0;
    if (lets.empty()) return;
    std::vector<std::uint8_t> counts(lets.size(), 0);
    count_let_uses(tree, tree.root, 1, counts);
    for (std::uint32_t l = 0; l < lets.size(); ++l) {
      if (counts[l] < 2 || !lets[l].ok || lets[l].simple) continue;
      if (cache_slot.empty()) cache_slot.assign(lets.size(), -1);
      cache_slot[l] = static_cast<std::int32_t>(cached.size());
      CachedLet c;
      c.let = l;
      c.value = temp();
      c.flag = temp();
      emit(Op::move, c.flag, constant_register(0));
      cached.push_back(c);
    }
  }
  void end_segment() {
    cache_slot.clear();
    cached.clear();
    region_depth = 0;
  }

  // Compiles a let's own tree in place: its errors were reported (and fixed) at its definition.
  Value compile_let_tree(std::uint32_t index) {
    LetDef& let = lets[index];
    const Ast* saved_ast = ast;
    const ExpressionText* saved_text = text;
    std::vector<BoundVariable> saved_scope;
    saved_scope.swap(scope);
    ExpressionText let_text{let.text, let.map.get()};
    ast = &let.ast;
    text = &let_text;
    ++let_depth;
    Value v = compile_node(let.ast.root, nullptr);
    --let_depth;
    ast = saved_ast;
    text = saved_text;
    scope.swap(saved_scope);
    return v;
  }

  // --- expressions -------------------------------------------------------------------------

  const Node& node(std::uint32_t i) const { return ast->nodes[i]; }

  Value compile_node(std::uint32_t index, const Type* hint) {
    const Node& n = node(index);
    switch (n.kind) {
      case NodeKind::int_literal: {
        std::int64_t v = 0;
        for (char c : n.text) {
          if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v)) {
            error_at(n, "bad-literal", "integer literal is too large");
            return error_value();
          }
        }
        return constant(Type{TypeKind::integer}, v);
      }
      case NodeKind::decimal_literal: {
        auto d = Decimal::parse(n.text);
        if (!d) {
          error_at(n, "bad-literal", "decimal literal has more than 6 digits after the point or is too large");
          return error_value();
        }
        return constant(Type{TypeKind::decimal}, d->units());
      }
      case NodeKind::date_literal: {
        auto d = Date::parse(n.text);
        if (!d) {
          error_at(n, "bad-literal", fmt::format("`{}` is not a real date", n.text));
          return error_value();
        }
        return constant(Type{TypeKind::date}, d->days());
      }
      case NodeKind::bool_literal: return constant(Type{TypeKind::boolean}, n.op);
      case NodeKind::string_literal: {
        if (hint && hint->kind == TypeKind::enumeration) {
          Value member = enum_member(n, *hint);
          if (member.ok()) return member;
          const EnumDef& e = policy.enums[hint->id];
          error_at(n, "unknown-enum-value",
                   fmt::format("\"{}\" is not a value of `{}` (values: {})", n.text, e.name, fmt::join(e.values, ", ")));
          return error_value();
        }
        return constant(Type{TypeKind::string}, string_constant(n.text));
      }
      case NodeKind::name: return compile_name(n, hint);
      case NodeKind::list_literal:
        error_at(n, "type-mismatch", "a list can only appear on the right of `in` / `not in`");
        return error_value();
      case NodeKind::unary: return compile_unary(n);
      case NodeKind::binary: return compile_binary(n, hint);
      case NodeKind::if_expr: return compile_if(n, hint);
      case NodeKind::match_expr: return compile_match(n, hint);
      case NodeKind::match_arm: break;
      case NodeKind::call: return compile_call(n);
      case NodeKind::quantifier: return compile_quantifier(n);
    }
    error_at(n, "internal", "unexpected expression");
    return error_value();
  }

  Value expect_type(const Value& v, TypeKind kind, const Node& at, std::string_view what) {
    if (!v.ok()) return v;
    if (v.type.kind == kind) return v;
    error_at(at, "type-mismatch", fmt::format("{} must be {}, found {}", what, name(Type{kind}), name(v.type)));
    return error_value();
  }

  Value compile_unary(const Node& n) {
    const Node& operand = node(n.children[0]);
    Value v = compile_node(n.children[0], nullptr);
    if (!v.ok()) return v;
    if (static_cast<UnaryOp>(n.op) == UnaryOp::logical_not) {
      v = expect_type(v, TypeKind::boolean, operand, "the operand of `not`");
      if (!v.ok()) return v;
      return unary(Op::logical_not, v.type, v, n);
    }
    if (!is_numeric(v.type)) {
      error_at(operand, "type-mismatch", fmt::format("cannot negate {}", name(v.type)));
      return error_value();
    }
    return unary(Op::negate, v.type, v, n);
  }

  Value compile_logical(const Node& n, bool is_and) {
    const Node& lhs_node = node(n.children[0]);
    const Node& rhs_node = node(n.children[1]);
    const char* word = is_and ? "and" : "or";
    Value lhs = expect_type(compile_node(n.children[0], nullptr), TypeKind::boolean, lhs_node,
                            fmt::format("the left side of `{}`", word));
    if (lhs.ok() && lhs.is_const) {
      // true and x -> x; false and x -> false (x is still checked).
      bool decided = is_and ? lhs.constant == 0 : lhs.constant != 0;
      std::uint32_t mark = here();
      std::vector<CachedLet> saved_lets = cached;
      Value rhs = expect_type(compile_node(n.children[1], nullptr), TypeKind::boolean, rhs_node,
                              fmt::format("the right side of `{}`", word));
      if (decided) {
        discard(mark, std::move(saved_lets));
        return rhs.ok() ? lhs : rhs;
      }
      return rhs;
    }
    std::uint32_t dst = temp();
    if (lhs.ok()) move_into(dst, lhs);
    std::uint32_t jump = emit(is_and ? Op::jump_if_false : Op::jump_if_true, 0, dst);
    enter_region();
    Value rhs = expect_type(compile_node(n.children[1], nullptr), TypeKind::boolean, rhs_node,
                            fmt::format("the right side of `{}`", word));
    leave_region();
    if (!lhs.ok() || !rhs.ok()) return error_value();
    move_into(dst, rhs);
    patch(jump, here());
    return in_register(Type{TypeKind::boolean}, dst);
  }

  Value compile_binary(const Node& n, const Type* hint) {
    auto op = static_cast<BinaryOp>(n.op);
    (void)hint;
    if (op == BinaryOp::logical_and || op == BinaryOp::logical_or) return compile_logical(n, op == BinaryOp::logical_and);
    if (op == BinaryOp::in || op == BinaryOp::not_in) return compile_in(n, op == BinaryOp::not_in);

    const Node& lhs_node = node(n.children[0]);
    const Node& rhs_node = node(n.children[1]);
    bool comparison = op >= BinaryOp::equal && op <= BinaryOp::greater_equal;
    Value lhs, rhs;
    if (comparison && lhs_node.kind == NodeKind::name && !resolvable(lhs_node) &&
        (rhs_node.kind != NodeKind::name || resolvable(rhs_node))) {
      // `in_zone == hukou.zone`: the right side tells what the bare name means.
      rhs = compile_node(n.children[1], nullptr);
      lhs = compile_node(n.children[0], rhs.ok() ? &rhs.type : nullptr);
    } else {
      lhs = compile_node(n.children[0], nullptr);
      // Once the left side failed, a bare name on the right is most likely one of its enum values:
      // reporting it too would only repeat the first error.
      if (!lhs.ok() && comparison && rhs_node.kind == NodeKind::name && !resolvable(rhs_node)) return error_value();
      rhs = compile_node(n.children[1], lhs.ok() && comparison ? &lhs.type : nullptr);
    }
    if (!lhs.ok() || !rhs.ok()) return error_value();

    if (comparison) return compile_comparison(n, op, lhs, rhs);

    // Arithmetic.
    if (!is_numeric(lhs.type) || !is_numeric(rhs.type)) {
      const Node& bad = is_numeric(lhs.type) ? rhs_node : lhs_node;
      const Value& bad_value = is_numeric(lhs.type) ? rhs : lhs;
      if (op == BinaryOp::subtract && lhs.type.kind == TypeKind::date && rhs.type.kind == TypeKind::date) {
        error_at(n, "type-mismatch", "dates cannot be subtracted")
            .help = "use `days_between(a, b)`, `months_between(a, b)` or `years_between(a, b)`";
        return error_value();
      }
      error_at(bad, "type-mismatch",
               fmt::format("`{}` needs numbers, found {}", expr::to_string(op), name(bad_value.type)));
      return error_value();
    }
    bool both_int = lhs.type.kind == TypeKind::integer && rhs.type.kind == TypeKind::integer;
    switch (op) {
      case BinaryOp::add:
      case BinaryOp::subtract: {
        Op vmop = op == BinaryOp::add ? Op::add : Op::subtract;
        if (both_int) return binary(vmop, Type{TypeKind::integer}, lhs, rhs, n);
        return binary(vmop, Type{TypeKind::decimal}, to_decimal(lhs, lhs_node), to_decimal(rhs, rhs_node), n);
      }
      case BinaryOp::multiply:
        if (both_int) return binary(Op::multiply_int, Type{TypeKind::integer}, lhs, rhs, n);
        // int * decimal needs no rescaling: multiply the units by the integer.
        if (lhs.type.kind == TypeKind::integer) return binary(Op::multiply_int, Type{TypeKind::decimal}, lhs, rhs, n);
        if (rhs.type.kind == TypeKind::integer) return binary(Op::multiply_int, Type{TypeKind::decimal}, lhs, rhs, n);
        return binary(Op::multiply_decimal, Type{TypeKind::decimal}, lhs, rhs, n);
      case BinaryOp::divide:
        if (rhs.is_const && rhs.constant == 0) {
          error_at(rhs_node, "constant-error", "division by zero");
          return error_value();
        }
        return binary(Op::divide_decimal, Type{TypeKind::decimal}, to_decimal(lhs, lhs_node), to_decimal(rhs, rhs_node), n);
      default: break;
    }
    error_at(n, "internal", "unexpected operator");
    return error_value();
  }

  Value compile_comparison(const Node& n, BinaryOp op, Value lhs, Value rhs) {
    const Node& lhs_node = node(n.children[0]);
    const Node& rhs_node = node(n.children[1]);
    Type boolean{TypeKind::boolean};
    bool equality = op == BinaryOp::equal || op == BinaryOp::not_equal;
    if (is_numeric(lhs.type) && is_numeric(rhs.type)) {
      if (lhs.type.kind != rhs.type.kind) {
        lhs = to_decimal(lhs, lhs_node);
        rhs = to_decimal(rhs, rhs_node);
      }
    } else if (lhs.type.kind == TypeKind::string && rhs.type.kind == TypeKind::string) {
      if (!equality) {
        error_at(n, "type-mismatch", "strings can only be compared with `==` and `!=`");
        return error_value();
      }
      return binary(op == BinaryOp::equal ? Op::string_equal : Op::string_not_equal, boolean, lhs, rhs, n);
    } else if (!(lhs.type == rhs.type) &&
               !(lhs.type.kind == rhs.type.kind && lhs.type.kind != TypeKind::enumeration &&
                 lhs.type.kind != TypeKind::list && lhs.type.kind != TypeKind::record)) {
      error_at(n, "type-mismatch", fmt::format("cannot compare {} with {}", name(lhs.type), name(rhs.type)));
      return error_value();
    }
    if (!equality && (lhs.type.kind == TypeKind::boolean || lhs.type.kind == TypeKind::enumeration)) {
      error_at(n, "type-mismatch", fmt::format("{} values can only be compared with `==` and `!=`", name(lhs.type)));
      return error_value();
    }
    if (lhs.type.kind == TypeKind::list || lhs.type.kind == TypeKind::record) {
      error_at(n, "type-mismatch", fmt::format("cannot compare {}", name(lhs.type)));
      return error_value();
    }
    Op vmop = Op::equal;
    switch (op) {
      case BinaryOp::equal: vmop = Op::equal; break;
      case BinaryOp::not_equal: vmop = Op::not_equal; break;
      case BinaryOp::less: vmop = Op::less; break;
      case BinaryOp::less_equal: vmop = Op::less_equal; break;
      case BinaryOp::greater: vmop = Op::greater; break;
      case BinaryOp::greater_equal: vmop = Op::greater_equal; break;
      default: break;
    }
    return binary(vmop, boolean, lhs, rhs, n);
  }

  Value compile_in(const Node& n, bool negated) {
    const Node& list_node = node(n.children[1]);
    Value lhs = compile_node(n.children[0], nullptr);
    if (list_node.kind != NodeKind::list_literal) {
      error_at(list_node, "type-mismatch", "the right side of `in` must be a list such as `[a, b]`");
      return error_value();
    }
    if (!lhs.ok()) return lhs;
    std::vector<Value> elements;
    bool all_const = true;
    bool ok = true;
    for (std::uint32_t child : list_node.children) {
      const Node& en = node(child);
      Value v = compile_node(child, &lhs.type);
      if (!v.ok()) {
        ok = false;
        continue;
      }
      if (!(v.type == lhs.type) && !(is_numeric(v.type) && is_numeric(lhs.type)) &&
          !(v.type.kind == TypeKind::string && lhs.type.kind == TypeKind::string)) {
        error_at(en, "type-mismatch", fmt::format("list element is {}, but the value tested is {}", name(v.type), name(lhs.type)));
        ok = false;
        continue;
      }
      all_const = all_const && v.is_const;
      elements.push_back(v);
    }
    if (!ok) return error_value();
    Type boolean{TypeKind::boolean};
    if (lhs.type.kind == TypeKind::enumeration && all_const && policy.enums[lhs.type.id].values.size() <= 64) {
      std::uint64_t mask = 0;
      for (const Value& e : elements) mask |= std::uint64_t{1} << e.constant;
      if (negated) mask = ~mask;
      return binary(Op::in_mask, boolean, lhs, constant(Type{TypeKind::integer}, static_cast<std::int64_t>(mask)), n);
    }
    // General case: a chain of equalities.
    Value result = constant(boolean, 0);
    for (const Value& e : elements) {
      Value eq = compile_comparison(n, BinaryOp::equal, lhs, e);
      if (!eq.ok()) return eq;
      if (result.is_const && result.constant == 0) {
        result = eq;
      } else if (eq.is_const) {
        if (eq.constant) result = constant(boolean, 1);
      } else {
        std::uint32_t dst = temp();
        emit(Op::maximum, dst, reg_of(result), reg_of(eq), 0, &n);
        result = in_register(boolean, dst);
      }
    }
    if (negated) return unary(Op::logical_not, boolean, result, n);
    return result;
  }

  Value compile_if(const Node& n, const Type* hint) {
    const Node& cond_node = node(n.children[0]);
    Value cond = expect_type(compile_node(n.children[0], nullptr), TypeKind::boolean, cond_node, "the condition of `if`");
    if (cond.ok() && cond.is_const) {
      // Both branches are checked; only the chosen one keeps its code (the other must not run:
      // it could fail, e.g. id_birth_date of an invalid number).
      std::uint32_t mark = here();
      std::vector<CachedLet> saved_lets = cached;
      Value a = compile_node(n.children[1], hint);
      if (!cond.constant) discard(mark, std::move(saved_lets));
      std::uint32_t after_a = here();
      saved_lets = cached;
      Value b = compile_node(n.children[2], hint);
      if (cond.constant) discard(after_a, std::move(saved_lets));
      if (!a.ok() || !b.ok()) return error_value();
      auto common = unify(a.type, b.type);
      if (!common) {
        error_at(n, "type-mismatch", fmt::format("the branches of `if` differ: {} and {}", name(a.type), name(b.type)));
        return error_value();
      }
      return cond.constant ? convert(a, *common, node(n.children[1])) : convert(b, *common, node(n.children[2]));
    }
    std::uint32_t dst = temp();
    std::uint32_t to_else = emit(Op::jump_if_false, 0, cond.ok() ? reg_of(cond) : 0);
    const std::vector<bool> before = maybe_state();
    enter_region();
    Value a = compile_node(n.children[1], hint);
    std::uint32_t then_move = here();
    if (a.ok()) move_into(dst, a);
    leave_region();
    std::vector<bool> after = maybe_state();
    set_maybe(before);
    std::uint32_t to_end = emit(Op::jump, 0);
    patch(to_else, here());
    enter_region();
    Value b = compile_node(n.children[2], hint ? hint : (a.ok() && a.type.kind == TypeKind::enumeration ? &a.type : nullptr));
    std::uint32_t else_move = here();
    if (b.ok()) move_into(dst, b);
    leave_region();
    add_maybe(after);
    set_maybe(after);
    patch(to_end, here());
    if (!cond.ok() || !a.ok() || !b.ok()) return error_value();
    auto common = unify(a.type, b.type);
    if (!common) {
      error_at(n, "type-mismatch", fmt::format("the branches of `if` differ: {} and {}", name(a.type), name(b.type)));
      return error_value();
    }
    // A decimal is wanted (a points value): widen in each branch rather than once after the join.
    if (hint && hint->kind == TypeKind::decimal && common->kind == TypeKind::integer) common = Type{TypeKind::decimal};
    if (common->kind == TypeKind::decimal && (a.type.kind == TypeKind::integer || b.type.kind == TypeKind::integer)) {
      // Widen integer branches: re-emit their moves through a conversion.
      if (a.type.kind == TypeKind::integer) retarget_move(then_move, a, dst, node(n.children[1]));
      if (b.type.kind == TypeKind::integer) retarget_move(else_move, b, dst, node(n.children[2]));
    }
    return in_register(*common, dst);
  }

  // Replaces `move dst, v` at pc with a widening conversion of v into dst.
  void retarget_move(std::uint32_t pc, const Value& v, std::uint32_t dst, const Node& at) {
    if (v.is_const) {
      std::int64_t widened = 0;
      if (vm::op_int_to_decimal(v.constant, widened) != ErrorCode::none) {
        error_at(at, "constant-error", "this constant is too large for a decimal");
        return;
      }
      program.code[pc] = Instr{Op::move, 0, 0, dst, constant_register(widened), 0};
      return;
    }
    program.code[pc] = Instr{Op::int_to_decimal, 0, 0, dst, v.reg, 0};
  }

  Value compile_match(const Node& n, const Type* hint) {
    const Node& subject_node = node(n.children[0]);
    Value subject = compile_node(n.children[0], nullptr);
    if (!subject.ok()) return subject;
    if (subject.type.kind == TypeKind::list || subject.type.kind == TypeKind::record ||
        subject.type.kind == TypeKind::decimal || subject.type.kind == TypeKind::boolean) {
      error_at(subject_node, "type-mismatch",
               fmt::format("`match` works on enums, strings, ints and dates, not {}", name(subject.type)));
      return error_value();
    }
    struct Arm {
      std::vector<Value> patterns;
      bool is_default = false;
      std::uint32_t value_node = 0;
    };
    std::vector<Arm> arms;
    bool ok = true;
    bool has_default = false;
    std::vector<bool> covered;
    if (subject.type.kind == TypeKind::enumeration) covered.assign(policy.enums[subject.type.id].values.size(), false);
    for (std::size_t i = 1; i < n.children.size(); ++i) {
      const Node& arm_node = node(n.children[i]);
      Arm arm;
      arm.value_node = arm_node.children.back();
      for (std::size_t p = 0; p + 1 < arm_node.children.size(); ++p) {
        const Node& pn = node(arm_node.children[p]);
        if (pn.kind == NodeKind::name && pn.text == "_") {
          if (has_default) {
            error_at(pn, "duplicate", "`match` has two default arms `_`");
            ok = false;
          }
          arm.is_default = has_default = true;
          continue;
        }
        if (has_default) {
          error_at(pn, "unreachable", "this arm comes after the default arm `_` and can never match");
          ok = false;
        }
        Value pv = compile_node(arm_node.children[p], &subject.type);
        if (!pv.ok()) {
          ok = false;
          continue;
        }
        if (!pv.is_const) {
          error_at(pn, "type-mismatch", "a `match` pattern must be a constant");
          ok = false;
          continue;
        }
        if (!(pv.type == subject.type) && !(pv.type.kind == TypeKind::string && subject.type.kind == TypeKind::string)) {
          error_at(pn, "type-mismatch", fmt::format("pattern is {}, but the subject is {}", name(pv.type), name(subject.type)));
          ok = false;
          continue;
        }
        if (!covered.empty()) {
          if (covered[static_cast<std::size_t>(pv.constant)]) {
            error_at(pn, "duplicate", fmt::format("`{}` is already matched by an earlier arm", pn.text));
            ok = false;
          }
          covered[static_cast<std::size_t>(pv.constant)] = true;
        }
        arm.patterns.push_back(pv);
      }
      arms.push_back(std::move(arm));
    }
    if (!ok) return error_value();
    if (!has_default) {
      if (covered.empty()) {
        error_at(n, "not-exhaustive", "`match` needs a default arm `_ => ...`");
        return error_value();
      }
      std::vector<std::string> missing;
      const EnumDef& e = policy.enums[subject.type.id];
      for (std::size_t i = 0; i < covered.size(); ++i)
        if (!covered[i]) missing.push_back(e.values[i]);
      if (!missing.empty()) {
        error_at(n, "not-exhaustive", fmt::format("`match` does not cover {}", fmt::join(missing, ", ")))
            .help = "add the missing values or a default arm `_ => ...`";
        return error_value();
      }
    }

    // Compile arm values (checked, folded) to learn the result type and whether a table works.
    std::uint32_t mark = here();
    std::vector<CachedLet> saved_lets = cached;
    std::vector<Value> values;
    for (const Arm& arm : arms) {
      Value v = compile_node(arm.value_node, hint);
      if (!v.ok()) ok = false;
      values.push_back(v);
    }
    if (!ok) return error_value();
    Type result = values.front().type;
    for (std::size_t i = 1; i < values.size(); ++i) {
      auto common = unify(result, values[i].type);
      if (!common) {
        error_at(node(arms[i].value_node), "type-mismatch",
                 fmt::format("`match` arms differ: {} and {}", name(result), name(values[i].type)));
        return error_value();
      }
      result = *common;
    }
    if (hint && hint->kind == TypeKind::decimal && result.kind == TypeKind::integer) result = Type{TypeKind::decimal};
    bool all_const = std::all_of(values.begin(), values.end(), [](const Value& v) { return v.is_const; });
    if (subject.type.kind == TypeKind::enumeration && all_const) {
      const EnumDef& e = policy.enums[subject.type.id];
      std::vector<std::int64_t> table(e.values.size(), 0);
      std::vector<bool> filled(e.values.size(), false);
      for (std::size_t i = 0; i < arms.size(); ++i) {
        Value v = convert(values[i], result, node(arms[i].value_node));
        for (const Value& p : arms[i].patterns) {
          table[static_cast<std::size_t>(p.constant)] = v.constant;
          filled[static_cast<std::size_t>(p.constant)] = true;
        }
        if (arms[i].is_default)
          for (std::size_t k = 0; k < table.size(); ++k)
            if (!filled[k]) {
              table[k] = v.constant;
              filled[k] = true;
            }
      }
      discard(mark, std::move(saved_lets));
      if (subject.is_const) return constant(result, table[static_cast<std::size_t>(subject.constant)]);
      auto offset = static_cast<std::uint32_t>(program.tables.size());
      program.tables.insert(program.tables.end(), table.begin(), table.end());
      std::uint32_t dst = temp();
      emit(Op::table, dst, reg_of(subject), offset, 0, &n);
      return in_register(result, dst);
    }
    // General case: tests in order. Recompile arm values inside their branches.
    discard(mark, std::move(saved_lets));
    const std::vector<bool> before = maybe_state();
    std::vector<bool> after = before;
    std::uint32_t dst = temp();
    std::vector<std::uint32_t> to_end;
    Op eq = subject.type.kind == TypeKind::string ? Op::string_equal : Op::equal;
    for (const Arm& arm : arms) {
      std::vector<std::uint32_t> to_body;
      std::uint32_t skip = UINT32_MAX;
      if (!arm.is_default) {
        for (const Value& p : arm.patterns) {
          std::uint32_t t = temp();
          emit(eq, t, reg_of(subject), reg_of(p), 0, &n);
          to_body.push_back(emit(Op::jump_if_true, 0, t));
        }
        skip = emit(Op::jump, 0);
      }
      for (std::uint32_t j : to_body) patch(j, here());
      set_maybe(before);
      enter_region();
      Value v = convert(compile_node(arm.value_node, hint), result, node(arm.value_node));
      move_into(dst, v);
      leave_region();
      add_maybe(after);
      to_end.push_back(emit(Op::jump, 0));
      if (skip != UINT32_MAX) patch(skip, here());
      if (arm.is_default) break;
    }
    set_maybe(after);
    for (std::uint32_t j : to_end) patch(j, here());
    return in_register(result, dst);
  }

  Value compile_call(const Node& n) {
    const std::string& fn = n.text;
    std::size_t argc = n.children.size();
    auto arity = [&](std::size_t want) {
      if (argc == want) return true;
      error_at(n, "arity", fmt::format("`{}` takes {} argument{}, found {}", fn, want, want == 1 ? "" : "s", argc));
      return false;
    };
    auto arg = [&](std::size_t i, const Type* hint = nullptr) { return compile_node(n.children[i], hint); };
    auto arg_node = [&](std::size_t i) -> const Node& { return node(n.children[i]); };
    Type integer{TypeKind::integer}, decimal{TypeKind::decimal}, date{TypeKind::date}, boolean{TypeKind::boolean};

    if (fn == "min" || fn == "max") {
      if (argc < 2) {
        error_at(n, "arity", fmt::format("`{}` takes at least 2 arguments (or a quantifier `{}(p in list, value, default)`)", fn, fn));
        return error_value();
      }
      Value acc = arg(0);
      if (!acc.ok()) return acc;
      for (std::size_t i = 1; i < argc; ++i) {
        Value v = arg(i);
        if (!v.ok()) return v;
        if (is_numeric(acc.type) && is_numeric(v.type)) {
          if (acc.type.kind != v.type.kind) {
            acc = to_decimal(acc, n);
            v = to_decimal(v, arg_node(i));
          }
        } else if (!(acc.type.kind == TypeKind::date && v.type.kind == TypeKind::date)) {
          error_at(arg_node(i), "type-mismatch", fmt::format("`{}` needs numbers or dates, found {}", fn, name(v.type)));
          return error_value();
        }
        acc = binary(fn == "min" ? Op::minimum : Op::maximum, acc.type, acc, v, n);
      }
      return acc;
    }
    if (fn == "clamp") {
      if (!arity(3)) return error_value();
      Value x = arg(0), lo = arg(1), hi = arg(2);
      if (!x.ok() || !lo.ok() || !hi.ok()) return error_value();
      for (std::size_t i = 0; i < 3; ++i) {
        const Value& v = i == 0 ? x : i == 1 ? lo : hi;
        if (!is_numeric(v.type)) {
          error_at(arg_node(i), "type-mismatch", fmt::format("`clamp` needs numbers, found {}", name(v.type)));
          return error_value();
        }
      }
      bool any_decimal = x.type.kind == TypeKind::decimal || lo.type.kind == TypeKind::decimal || hi.type.kind == TypeKind::decimal;
      if (any_decimal) {
        x = to_decimal(x, arg_node(0));
        lo = to_decimal(lo, arg_node(1));
        hi = to_decimal(hi, arg_node(2));
      }
      Value raised = binary(Op::maximum, x.type, x, lo, n);
      return binary(Op::minimum, x.type, raised, hi, n);
    }
    if (fn == "abs") {
      if (!arity(1)) return error_value();
      Value x = arg(0);
      if (!x.ok()) return x;
      if (!is_numeric(x.type)) {
        error_at(arg_node(0), "type-mismatch", fmt::format("`abs` needs a number, found {}", name(x.type)));
        return error_value();
      }
      return unary(Op::absolute, x.type, x, n);
    }
    if (fn == "years_between" || fn == "months_between" || fn == "days_between" || fn == "age_on") {
      if (!arity(2)) return error_value();
      Value a = expect_type(arg(0), TypeKind::date, arg_node(0), fmt::format("the first argument of `{}`", fn));
      Value b = expect_type(arg(1), TypeKind::date, arg_node(1), fmt::format("the second argument of `{}`", fn));
      if (!a.ok() || !b.ok()) return error_value();
      if (fn == "days_between") return binary(Op::subtract, integer, b, a, n);
      return binary(fn == "months_between" ? Op::months_between : Op::years_between, integer, a, b, n);
    }
    if (fn == "add_days" || fn == "add_months" || fn == "add_years") {
      if (!arity(2)) return error_value();
      Value d = expect_type(arg(0), TypeKind::date, arg_node(0), fmt::format("the first argument of `{}`", fn));
      Value k = expect_type(arg(1), TypeKind::integer, arg_node(1), fmt::format("the second argument of `{}`", fn));
      if (!d.ok() || !k.ok()) return error_value();
      Op op = fn == "add_days" ? Op::add_days : fn == "add_months" ? Op::add_months : Op::add_years;
      return binary(op, date, d, k, n);
    }
    if (fn == "year" || fn == "month" || fn == "day") {
      if (!arity(1)) return error_value();
      Value d = expect_type(arg(0), TypeKind::date, arg_node(0), fmt::format("the argument of `{}`", fn));
      if (!d.ok()) return d;
      return unary(fn == "year" ? Op::date_year : fn == "month" ? Op::date_month : Op::date_day, integer, d, n);
    }
    if (fn == "round" || fn == "truncate" || fn == "floor" || fn == "ceil") {
      bool takes_digits = fn == "round" || fn == "truncate";
      if (argc != 1 && argc != 2) {
        error_at(n, "arity", fmt::format("`{}` takes 1 or 2 arguments (value, digits)", fn));
        return error_value();
      }
      (void)takes_digits;
      Value x = arg(0);
      if (!x.ok()) return x;
      if (!is_numeric(x.type)) {
        error_at(arg_node(0), "type-mismatch", fmt::format("`{}` needs a number, found {}", fn, name(x.type)));
        return error_value();
      }
      std::int64_t digits = 0;
      if (argc == 2) {
        Value dv = arg(1);
        if (!dv.ok()) return dv;
        if (!dv.is_const || dv.type.kind != TypeKind::integer || dv.constant < 0 || dv.constant > Decimal::kScale) {
          error_at(arg_node(1), "bad-argument", fmt::format("the digits of `{}` must be a constant from 0 to 6", fn));
          return error_value();
        }
        digits = dv.constant;
      }
      x = to_decimal(x, arg_node(0));
      RoundingMode mode = fn == "round" ? RoundingMode::half_up
                          : fn == "truncate" ? RoundingMode::truncate
                          : fn == "floor" ? RoundingMode::floor
                                          : RoundingMode::ceil;
      if (x.is_const) {
        std::int64_t out = 0;
        if (vm::op_round(x.constant, static_cast<int>(digits), static_cast<int>(mode), out) != ErrorCode::none) {
          error_at(n, "constant-error", "rounding overflows");
          return error_value();
        }
        return constant(decimal, out);
      }
      std::uint32_t dst = temp();
      emit(Op::round_decimal, dst, reg_of(x), static_cast<std::uint32_t>(mode), static_cast<std::uint16_t>(digits), &n);
      return in_register(decimal, dst);
    }
    if (fn == "count" || fn == "len") {
      if (!arity(1)) return error_value();
      Value l = expect_type(arg(0), TypeKind::list, arg_node(0), fmt::format("the argument of `{}`", fn));
      if (!l.ok()) return l;
      std::uint32_t dst = temp();
      emit(Op::list_length, dst, reg_of(l), 0, 0, &n);
      return in_register(integer, dst);
    }
    if (fn == "id_valid" || fn == "id_birth_date" || fn == "id_gender") {
      if (!arity(1)) return error_value();
      Value s = expect_type(arg(0), TypeKind::string, arg_node(0), fmt::format("the argument of `{}`", fn));
      if (!s.ok()) return s;
      if (fn == "id_valid") return unary(Op::id_valid, boolean, s, n);
      if (fn == "id_birth_date") return unary(Op::id_birth_date, date, s, n);
      return unary(Op::id_gender, Type{TypeKind::enumeration, gender_enum}, s, n);
    }
    if (fn == "starts_with") {
      if (!arity(2)) return error_value();
      Value s = expect_type(arg(0), TypeKind::string, arg_node(0), "the first argument of `starts_with`");
      Value p = expect_type(arg(1), TypeKind::string, arg_node(1), "the second argument of `starts_with`");
      if (!s.ok() || !p.ok()) return error_value();
      return binary(Op::starts_with, boolean, s, p, n);
    }
    if (fn == "date") {
      if (!arity(3)) return error_value();
      Value y = arg(0), m = arg(1), d = arg(2);
      if (!y.ok() || !m.ok() || !d.ok()) return error_value();
      if (!y.is_const || !m.is_const || !d.is_const) {
        error_at(n, "bad-argument", "`date(y, m, d)` needs constant arguments; write dates as 2020-08-31");
        return error_value();
      }
      auto value = Date::from_ymd(static_cast<int>(y.constant), static_cast<int>(m.constant), static_cast<int>(d.constant));
      if (!value) {
        error_at(n, "bad-literal", "not a real date");
        return error_value();
      }
      return constant(date, value->days());
    }
    static const std::vector<std::string_view> functions = {
        "min", "max", "clamp", "abs", "years_between", "months_between", "days_between", "age_on", "add_days",
        "add_months", "add_years", "year", "month", "day", "round", "truncate", "floor", "ceil", "count", "len",
        "id_valid", "id_birth_date", "id_gender", "starts_with", "date", "any", "all", "sum"};
    auto& d = error_at(n, "unknown-function", fmt::format("unknown function `{}`", fn));
    std::string suggestion = did_you_mean(fn, functions);
    if (!suggestion.empty()) d.help = fmt::format("did you mean `{}`?", suggestion);
    return error_value();
  }

  Value compile_quantifier(const Node& n) {
    const std::string& kind = n.text;
    bool has_where = n.flags & expr::kQuantifierHasWhere;
    bool has_default = n.flags & expr::kQuantifierHasDefault;
    std::size_t i = 0;
    std::uint32_t list_child = n.children[i++];
    std::uint32_t where_child = has_where ? n.children[i++] : 0;
    std::uint32_t body_child = n.children[i++];
    std::uint32_t default_child = has_default ? n.children[i++] : 0;
    const Node& list_node = node(list_child);

    Value list = compile_node(list_child, nullptr);
    if (!list.ok()) return list;
    if (list.type.kind != TypeKind::list) {
      error_at(list_node, "type-mismatch", fmt::format("`{}` iterates over a list fact, found {}", kind, name(list.type)));
      return error_value();
    }
    bool is_extremum = kind == "max" || kind == "min";
    if (is_extremum && !has_default) {
      error_at(n, "arity", fmt::format("`{}` over a list needs a value for an empty list: `{}({} in {}, value, default)`",
                                      kind, kind, n.var, list_node.text));
      return error_value();
    }
    if (!is_extremum && has_default) {
      error_at(node(default_child), "arity", fmt::format("`{}` takes no default value", kind));
      return error_value();
    }
    if (resolvable(Node{NodeKind::name, 0, 0, 0, 0, n.var, {}, {}})) {
      // Shadowing a fact would make the body ambiguous to a reader.
      error_at(n, "duplicate", fmt::format("`{}` already names a fact or value; pick another variable name", n.var));
      return error_value();
    }

    Type integer{TypeKind::integer}, boolean{TypeKind::boolean};
    std::uint32_t list_reg = reg_of(list);
    std::uint32_t index = temp();
    std::uint32_t count = temp();
    std::uint32_t acc = temp();
    std::uint32_t seen = temp();
    std::uint32_t cond = temp();
    emit(Op::list_length, count, list_reg, 0, 0, &n);
    emit(Op::move, index, constant_register(0));
    Value fallback;
    if (is_extremum) {
      fallback = compile_node(default_child, nullptr);
      if (!fallback.ok()) return fallback;
      emit(Op::move, seen, constant_register(0));
    }
    std::int64_t init = kind == "all" ? 1 : 0;
    emit(Op::move, acc, constant_register(init));

    std::uint32_t loop = here();
    emit(Op::less, cond, index, count, 0, &n);
    std::uint32_t exit_jump = emit(Op::jump_if_false, 0, cond);
    scope.push_back(BoundVariable{n.var, list.type.id, list_reg, index});
    // The body runs zero or more times: a let it computes may be computed at its start by an
    // earlier record, and only may be after the loop.
    std::vector<bool> before_loop = maybe_state();
    std::vector<std::uint32_t> computations(cached.size());
    for (std::size_t c = 0; c < cached.size(); ++c) {
      computations[c] = cached[c].computations;
      cached[c].maybe_computed = true;
    }
    enter_region();
    std::uint32_t skip_jump = UINT32_MAX;
    bool ok = true;
    if (has_where) {
      Value w = expect_type(compile_node(where_child, nullptr), TypeKind::boolean, node(where_child), "the `where` condition");
      if (!w.ok()) ok = false;
      else if (w.is_const && w.constant == 0) {
        skip_jump = emit(Op::jump, 0);
      } else if (!w.is_const) {
        skip_jump = emit(Op::jump_if_false, 0, reg_of(w));
      }
    }
    if (skip_jump != UINT32_MAX) enter_region();
    const Node& body_node = node(body_child);
    Value body = compile_node(body_child, nullptr);
    if (skip_jump != UINT32_MAX) leave_region();
    leave_region();
    for (std::size_t c = 0; c < cached.size(); ++c)
      cached[c].maybe_computed = before_loop[c] || cached[c].computations != computations[c];
    scope.pop_back();
    if (!ok || !body.ok()) return error_value();

    Type result;
    std::vector<std::uint32_t> to_exit;
    if (kind == "any" || kind == "all" || kind == "count") {
      body = expect_type(body, TypeKind::boolean, body_node, fmt::format("the condition of `{}`", kind));
      if (!body.ok()) return body;
      if (kind == "any") {
        emit(Op::move, acc, reg_of(body));
        to_exit.push_back(emit(Op::jump_if_true, 0, acc));
        result = boolean;
      } else if (kind == "all") {
        emit(Op::move, acc, reg_of(body));
        to_exit.push_back(emit(Op::jump_if_false, 0, acc));
        result = boolean;
      } else {
        emit(Op::add, acc, acc, reg_of(body), 0, &n);
        result = integer;
      }
    } else {
      if (!is_numeric(body.type) && !(is_extremum && body.type.kind == TypeKind::date)) {
        error_at(body_node, "type-mismatch", fmt::format("`{}` needs a number, found {}", kind, name(body.type)));
        return error_value();
      }
      result = body.type;
      if (is_extremum) {
        auto common = unify(body.type, fallback.type);
        if (!common) {
          error_at(node(default_child), "type-mismatch",
                   fmt::format("the default is {}, but the values are {}", name(fallback.type), name(body.type)));
          return error_value();
        }
        result = *common;
      }
      std::uint32_t value_reg = reg_of(body);
      if (result.kind == TypeKind::decimal && body.type.kind == TypeKind::integer) {
        std::uint32_t widened = temp();
        emit(Op::int_to_decimal, widened, value_reg, 0, 0, &body_node);
        value_reg = widened;
      }
      if (kind == "sum") {
        emit(Op::add, acc, acc, value_reg, 0, &n);
      } else {
        std::uint32_t compare = emit(Op::jump_if_true, 0, seen);
        emit(Op::move, acc, value_reg);
        emit(Op::move, seen, constant_register(1));
        std::uint32_t to_next = emit(Op::jump, 0);
        patch(compare, here());
        emit(kind == "max" ? Op::maximum : Op::minimum, acc, acc, value_reg, 0, &n);
        patch(to_next, here());
      }
    }
    if (skip_jump != UINT32_MAX) patch(skip_jump, here());
    emit(Op::add, index, index, constant_register(1), 0, &n);
    emit(Op::jump, loop);
    patch(exit_jump, here());
    for (std::uint32_t j : to_exit) patch(j, here());
    if (is_extremum) {
      std::uint32_t done = emit(Op::jump_if_true, 0, seen);
      Value f = convert(fallback, result, node(default_child));
      emit(Op::move, acc, reg_of(f));
      patch(done, here());
    }
    return in_register(result, acc);
  }

  // --- fingerprint of an expression (for trivially shadowed groups) ---------------------------

  std::uint64_t fingerprint(const Ast& tree, std::uint32_t index) const {
    const Node& n = tree.nodes[index];
    std::uint64_t h = mix(static_cast<std::uint64_t>(n.kind) + 1, n.op);
    h = mix(h, std::hash<std::string>{}(n.text));
    h = mix(h, std::hash<std::string>{}(n.var));
    for (std::uint32_t c : n.children) h = mix(h, fingerprint(tree, c));
    return h;
  }
};

ExpressionCompiler::ExpressionCompiler(CompiledPolicy& policy, DiagnosticSink& sink, const CompileLimits& limits)
    : impl_(std::make_unique<Impl>(policy, sink, limits)) {}

ExpressionCompiler::~ExpressionCompiler() = default;

void ExpressionCompiler::set_metadata(const PolicyMetadata& metadata) {
  auto& m = impl_->metadata_constants;
  m["policy.year"] = Value{Type{TypeKind::integer}, true, metadata.year, 0};
  m["policy.grade"] = Value{Type{TypeKind::integer}, true, metadata.grade, 0};
  if (metadata.age_cutoff) m["policy.age_cutoff"] = Value{Type{TypeKind::date}, true, metadata.age_cutoff->days(), 0};
}

bool ExpressionCompiler::add_param(const std::string& name, Type type, std::int64_t value) {
  auto& m = *impl_;
  if (m.metadata_constants.count(name) || m.policy.fact_by_path.count(name) || m.policy.list_by_path.count(name))
    return false;
  m.metadata_constants[name] = Value{type, true, value, 0};
  return true;
}

void ExpressionCompiler::poison(const std::string& name) { impl_->poisoned.insert(name); }

std::int64_t ExpressionCompiler::intern_string(std::string_view text) { return impl_->string_constant(text); }

std::vector<std::string> ExpressionCompiler::known_names() const { return impl_->candidate_names(); }

bool ExpressionCompiler::add_let(const std::string& name, ExpressionText text, std::size_t name_offset) {
  expr::ParseLimits parse_limits{impl_->limits.max_expression_bytes, impl_->limits.max_expression_depth};
  return add_let(name, text, name_offset, expr::parse_expression(text.text, parse_limits));
}

bool ExpressionCompiler::add_let(const std::string& name, ExpressionText text, std::size_t name_offset,
                                 expr::ParseResult parsed) {
  Impl& m = *impl_;
  if (m.let_index.count(name) || m.policy.fact_by_path.count(name) || m.policy.list_by_path.count(name) ||
      m.metadata_constants.count(name)) {
    m.sink.error("duplicate-id", fmt::format("`{}` is already defined", name), name_offset, name_offset + name.size());
    return false;
  }
  LetDef let;
  let.name = name;
  let.text = std::string(text.text);
  if (text.map) let.map = std::make_unique<ScalarMap>(*text.map);
  ExpressionText own{let.text, let.map.get()};
  if (parsed.error) {
    m.text = &own;
    std::size_t b = m.file_offset(parsed.error->begin);
    std::size_t e = parsed.error->end > parsed.error->begin ? m.file_offset(parsed.error->end - 1) + 1 : b;
    m.sink.error(parsed.error->limit ? "limit" : "syntax", parsed.error->message, b, e);
    m.text = nullptr;
  } else {
    let.ast = std::move(parsed.ast);
    // Type-check the definition once (its code is discarded: uses compile it in place).
    m.ast = &let.ast;
    m.text = &own;
    m.scope.clear();
    m.reported = false;
    std::uint32_t mark = m.here();
    std::uint32_t saved_temps = m.temp_count;
    m.begin_segment(let.ast);  // lets it uses more than once are compiled once here too
    const std::uint32_t body = m.here();
    Value v = m.compile_node(let.ast.root, nullptr);
    m.end_segment();
    const bool emitted_code = m.here() != body;
    m.program.code.resize(mark);
    m.program.spans.resize(mark);
    m.temp_count = saved_temps;
    m.ast = nullptr;
    m.text = nullptr;
    if (v.ok()) {
      let.type = v.type;
      let.ok = true;
      let.simple = !emitted_code;
      let.expands.assign(m.lets.size(), 0);
      m.count_let_uses(let.ast, let.ast.root, 1, let.expands);
    }
  }
  bool ok = let.ok;
  m.let_index[name] = static_cast<std::uint32_t>(m.lets.size());
  m.lets.push_back(std::move(let));
  return ok;
}

std::optional<CompiledExpression> ExpressionCompiler::compile(ExpressionText text, Expect expect) {
  Impl& m = *impl_;
  expr::ParseLimits parse_limits{m.limits.max_expression_bytes, m.limits.max_expression_depth};
  auto parsed = expr::parse_expression(text.text, parse_limits);
  m.text = &text;
  if (parsed.error) {
    std::size_t b = m.file_offset(parsed.error->begin);
    std::size_t e = parsed.error->end > parsed.error->begin ? m.file_offset(parsed.error->end - 1) + 1 : b;
    m.sink.error(parsed.error->limit ? "limit" : "syntax", parsed.error->message, b, e);
    m.text = nullptr;
    return std::nullopt;
  }
  CompiledExpression out;
  m.ast = &parsed.ast;
  m.scope.clear();
  m.temp_count = 0;
  m.reported = false;
  m.facts_read = &out.segment.facts_read;
  std::uint32_t entry = m.here();
  m.begin_segment(parsed.ast);
  const std::uint32_t body = m.here();  // after the let flags are cleared
  const Type decimal{TypeKind::decimal};
  Value v = m.compile_node(parsed.ast.root, expect == Expect::numeric ? &decimal : nullptr);
  const Node& root = parsed.ast.at(parsed.ast.root);
  if (v.ok()) {
    if (expect == Expect::boolean && v.type.kind != TypeKind::boolean) {
      m.error_at(root, "type-mismatch", fmt::format("a condition must be bool, found {}", m.name(v.type)));
      v = error_value();
    } else if (expect == Expect::numeric && !is_numeric(v.type)) {
      m.error_at(root, "type-mismatch", fmt::format("a points value must be a number, found {}", m.name(v.type)));
      v = error_value();
    } else if (expect == Expect::numeric) {
      v = m.to_decimal(v, root);  // points are decimals; int results widen once, here
    }
  }
  m.facts_read = nullptr;
  m.ast = nullptr;
  m.text = nullptr;
  m.end_segment();
  if (m.here() == body) {  // no let was compiled after all (its uses folded away)
    m.program.code.resize(entry);
    m.program.spans.resize(entry);
  }
  if (!v.ok()) {
    if (!m.reported) m.sink.error("internal", "expression could not be compiled", 0, 0);
    m.program.code.resize(entry);
    m.program.spans.resize(entry);
    return std::nullopt;
  }
  out.type = v.type;
  out.fingerprint = m.fingerprint(parsed.ast, parsed.ast.root);
  if (v.is_const) {
    out.is_constant = true;
    out.constant = v.constant;
  }
  if (m.here() == entry) {
    out.segment.trivial = true;
    out.segment.result_register = m.reg_of(v);
  } else {
    out.segment.entry = entry;
    m.emit(Op::ret, 0, m.reg_of(v));
  }
  return out;
}

void ExpressionCompiler::finish(bool optimize) {
  Impl& m = *impl_;
  vm::Program& p = m.program;
  std::vector<vm::Segment*> segments = all_segments(m.policy);
  if (optimize) vm::optimize(p, segments, [](std::uint32_t r) { return (r & kTempTag) != 0; });
  std::uint32_t facts = p.fact_count;
  std::uint32_t constants = static_cast<std::uint32_t>(m.constant_values.size());
  auto relocate = [&](std::uint32_t r) -> std::uint32_t {
    if (r & kConstTag) return facts + (r & ~kTagMask);
    if (r & kTempTag) return facts + constants + (r & ~kTagMask);
    return r;
  };
  for (Instr& in : p.code) {
    vm::OperandKinds k = vm::operand_kinds(in.op);
    if (k.a == vm::Operand::reg) in.a = relocate(in.a);
    if (k.b == vm::Operand::reg) in.b = relocate(in.b);
    if (k.c == vm::Operand::reg) in.c = relocate(in.c);
  }
  for (vm::Segment* s : segments) {
    if (s->trivial) s->result_register = relocate(s->result_register);
    s->inline_b = relocate(s->inline_b);
    s->inline_c = relocate(s->inline_c);
  }
  p.constants = m.constant_values;
  p.register_count = facts + constants + m.max_temp_count;
}

}  // namespace admit::internal
