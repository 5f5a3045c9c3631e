// `admit compile --emit cpp`: the fused decision program translated instruction by instruction
// into one C++ function. Each bytecode becomes a statement over locals, so the C++ compiler sees
// the whole policy at once; decisions are identical to the interpreter's (tests compare them).

#include <fmt/format.h>
#include <map>
#include <set>
#include <unordered_map>

#include "admit/native.hpp"
#include "admit/policy.hpp"
#include "policy/compiled_policy.hpp"
#include "vm/ops.hpp"

namespace admit {
namespace internal {

std::vector<std::uint32_t> FusedDecision::outputs() const {
  std::vector<std::uint32_t> out = {failed, group, requirements};
  out.insert(out.end(), raw.begin(), raw.end());
  for (std::uint32_t a : applied)
    if (a != UINT32_MAX) out.push_back(a);
  return out;
}

namespace {
std::uint64_t fnv(std::uint64_t h, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= 0x100000001b3ull;
  }
  return h;
}
std::uint64_t fnv(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return fnv(h, s.size());
}

// String constants are pointers into the compiled program: their slot value -> their text.
std::map<std::int64_t, std::string_view> string_constants(const vm::Program& p) {
  std::map<std::int64_t, std::string_view> out;
  for (const auto& s : p.string_constants) out.emplace(vm::slot_of(s.get()), *s);
  return out;
}

// A C++ string literal for any bytes: octal escapes (never more than three digits, unlike \x)
// for quotes, backslashes and control bytes; UTF-8 text stays readable.
std::string cpp_literal(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f || c == '?') {
      out += fmt::format("\\{:03o}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}
}  // namespace

std::uint64_t fingerprint_fused(const CompiledPolicy& policy) {
  const vm::Program& p = policy.program;
  std::uint64_t h = 0xcbf29ce484222325ull;
  const auto strings = string_constants(p);
  for (std::size_t pc = policy.fused.segment.entry; pc < p.code.size(); ++pc) {
    const vm::Instr& in = p.code[pc];
    h = fnv(h, static_cast<std::uint64_t>(in.op) | (std::uint64_t{in.d} << 8));
    h = fnv(h, (std::uint64_t{in.a} << 32) | in.b);
    h = fnv(h, in.c);
  }
  h = fnv(h, p.fact_count);
  // A string constant counts by its text (its address differs from run to run).
  for (std::size_t i = 0; i < p.constants.size(); ++i) {
    auto s = strings.find(p.constants[i]);
    h = s != strings.end() ? fnv(fnv(h, std::uint64_t{0xfeed}), s->second) : fnv(h, static_cast<std::uint64_t>(p.constants[i]));
  }
  for (std::int64_t t : p.tables) h = fnv(h, static_cast<std::uint64_t>(t));
  for (const auto& f : policy.facts) h = fnv(fnv(h, f.path), static_cast<std::uint64_t>(f.type.kind));
  for (const auto& l : policy.lists) h = fnv(fnv(h, l.path), l.fields.size());
  for (std::uint32_t r : policy.fused.outputs()) h = fnv(h, r);
  h = fnv(h, std::uint64_t{policy.fused.certificate_bits});  // what the requirements output means
  return h;
}

}  // namespace internal

EmitResult emit_cpp(const Policy& policy, std::string_view name) {
  using internal::vm::Instr;
  using internal::vm::Op;
  EmitResult result;
  const internal::CompiledPolicy& p = policy.compiled();
  const internal::vm::Program& prog = p.program;
  if (!p.fused.available) {
    result.error = "the policy was compiled without optimization: nothing to emit";
    return result;
  }
  const std::uint32_t facts = prog.fact_count;
  const std::uint32_t constants_end = facts + static_cast<std::uint32_t>(prog.constants.size());
  const auto strings = internal::string_constants(prog);
  std::map<std::int64_t, std::size_t> string_index;  // emitted as kStrings[i]
  std::unordered_map<std::uint32_t, std::uint32_t> output_index;
  auto outputs = p.fused.outputs();
  for (std::uint32_t k = 0; k < outputs.size(); ++k) output_index[outputs[k]] = k;

  std::set<std::uint32_t> locals;
  std::set<std::uint32_t> targets;
  const std::size_t begin = p.fused.segment.entry, end = prog.code.size();
  std::string error;
  auto reg = [&](std::uint32_t r) -> std::string {
    if (r < facts) return fmt::format("f[{}]", r);
    if (r < constants_end) {
      std::int64_t v = prog.constants[r - facts];
      if (strings.count(v)) {
        auto [it, added] = string_index.emplace(v, string_index.size());
        return fmt::format("admit::native::slot_of(&kStrings[{}])", it->second);
      }
      if (v == INT64_MIN) return "INT64_MIN";
      return fmt::format("std::int64_t{{{}}}", v);
    }
    if (auto it = output_index.find(r); it != output_index.end()) return fmt::format("out[{}]", it->second);
    locals.insert(r);
    return fmt::format("r{}", r);
  };
  for (std::size_t pc = begin; pc < end; ++pc) {
    auto k = internal::vm::operand_kinds(prog.code[pc].op);
    if (k.a == internal::vm::Operand::pc) targets.insert(prog.code[pc].a);
  }

  std::string body;
  for (std::size_t pc = begin; pc < end; ++pc) {
    const Instr& in = prog.code[pc];
    if (targets.count(static_cast<std::uint32_t>(pc))) body += fmt::format("L{}:\n", pc);
    std::string a = internal::vm::operand_kinds(in.op).a == internal::vm::Operand::reg ? reg(in.a) : "";
    std::string b = internal::vm::operand_kinds(in.op).b == internal::vm::Operand::reg ? reg(in.b) : "";
    std::string c = internal::vm::operand_kinds(in.op).c == internal::vm::Operand::reg ? reg(in.c) : "";
    auto checked = [&](std::string_view fn, bool two) {
      return two ? fmt::format("  if (!admit::native::{}({}, {}, {})) return false;\n", fn, b, c, a)
                 : fmt::format("  if (!admit::native::{}({}, {})) return false;\n", fn, b, a);
    };
    auto compare = [&](std::string_view op) { return fmt::format("  {} = {} {} {};\n", a, b, op, c); };
    // A string operand: a constant is read directly, a fact through its slot.
    auto text = [](const std::string& operand) {
      constexpr std::string_view kConstant = "admit::native::slot_of(&";
      if (operand.starts_with(kConstant)) return operand.substr(kConstant.size(), operand.size() - kConstant.size() - 1);
      return fmt::format("admit::native::as_string({})", operand);
    };
    switch (in.op) {
      case Op::move: body += fmt::format("  {} = {};\n", a, b); break;
      case Op::equal: body += compare("=="); break;
      case Op::not_equal: body += compare("!="); break;
      case Op::less: body += compare("<"); break;
      case Op::less_equal: body += compare("<="); break;
      case Op::greater: body += compare(">"); break;
      case Op::greater_equal: body += compare(">="); break;
      case Op::string_equal: body += fmt::format("  {} = {} == {};\n", a, text(b), text(c)); break;
      case Op::string_not_equal: body += fmt::format("  {} = {} != {};\n", a, text(b), text(c)); break;
      case Op::starts_with: body += fmt::format("  {} = {}.starts_with({});\n", a, text(b), text(c)); break;
      case Op::add: body += checked("add", true); break;
      case Op::subtract: body += checked("subtract", true); break;
      case Op::multiply_int: body += checked("multiply_int", true); break;
      case Op::multiply_decimal: body += checked("multiply_decimal", true); break;
      case Op::divide_decimal: body += checked("divide_decimal", true); break;
      case Op::negate: body += checked("negate", false); break;
      case Op::absolute: body += checked("absolute", false); break;
      case Op::int_to_decimal: body += checked("int_to_decimal", false); break;
      case Op::logical_not: body += fmt::format("  {} = !{};\n", a, b); break;
      case Op::minimum: body += fmt::format("  {} = {} < {} ? {} : {};\n", a, b, c, b, c); break;
      case Op::maximum: body += fmt::format("  {} = {} > {} ? {} : {};\n", a, b, c, b, c); break;
      case Op::in_mask:
        body += fmt::format("  {} = static_cast<std::int64_t>((static_cast<std::uint64_t>({}) >> ({} & 63)) & 1u);\n", a, c, b);
        break;
      case Op::table: body += fmt::format("  {} = kTables[{} + {}];\n", a, in.c, b); break;
      case Op::jump: body += fmt::format("  goto L{};\n", in.a); break;
      case Op::jump_if_false: body += fmt::format("  if (!{}) goto L{};\n", b, in.a); break;
      case Op::jump_if_true: body += fmt::format("  if ({}) goto L{};\n", b, in.a); break;
      case Op::years_between: body += fmt::format("  {} = admit::native::years_between({}, {});\n", a, b, c); break;
      case Op::months_between: body += fmt::format("  {} = admit::native::months_between({}, {});\n", a, b, c); break;
      case Op::add_days: body += checked("add_days", true); break;
      case Op::add_months: body += checked("add_months", true); break;
      case Op::add_years: body += checked("add_years", true); break;
      case Op::date_year: body += fmt::format("  {} = admit::native::date_part({}, 0);\n", a, b); break;
      case Op::date_month: body += fmt::format("  {} = admit::native::date_part({}, 1);\n", a, b); break;
      case Op::date_day: body += fmt::format("  {} = admit::native::date_part({}, 2);\n", a, b); break;
      case Op::round_decimal:
        body += fmt::format("  if (!admit::native::round({}, {}, {}, {})) return false;\n", b, in.d, in.c, a);
        break;
      case Op::id_valid: body += fmt::format("  {} = admit::native::id_valid({});\n", a, b); break;
      case Op::id_birth_date: body += checked("id_birth_date", false); break;
      case Op::id_gender: body += checked("id_gender", false); break;
      case Op::list_length: body += fmt::format("  {} = admit::native::as_list({}).count;\n", a, b); break;
      case Op::load_field:
        body += fmt::format(
            "  {{\n    const auto& list = admit::native::as_list({});\n    {} = list.records[static_cast<std::size_t>({}) * "
            "list.stride + {}];\n  }}\n",
            b, a, c, in.d);
        break;
      case Op::branch_if_equal: body += fmt::format("  if ({} == {}) goto L{};\n", b, c, in.a); break;
      case Op::branch_unless_equal: body += fmt::format("  if ({} != {}) goto L{};\n", b, c, in.a); break;
      case Op::branch_if_less: body += fmt::format("  if ({} < {}) goto L{};\n", b, c, in.a); break;
      case Op::branch_unless_less: body += fmt::format("  if (!({} < {})) goto L{};\n", b, c, in.a); break;
      case Op::branch_if_less_equal: body += fmt::format("  if ({} <= {}) goto L{};\n", b, c, in.a); break;
      case Op::branch_unless_less_equal: body += fmt::format("  if (!({} <= {})) goto L{};\n", b, c, in.a); break;
      case Op::set_immediate:
        body += fmt::format("  {} = {};\n", a, static_cast<std::int32_t>(in.c));
        break;
      case Op::branch_unless_equal_immediate:
        body += fmt::format("  if ({} != {}) goto L{};\n", b, static_cast<std::int32_t>(in.c), in.a);
        break;
      case Op::set_bit: body += fmt::format("  {} |= std::int64_t{{1}} << {};\n", a, in.c); break;
      case Op::fail: body += "  return false;\n"; break;
      case Op::ret: body += "  return true;\n"; break;
    }
    if (!error.empty()) {
      result.error = error;
      return result;
    }
  }

  std::string out;
  out += fmt::format("// Generated by `admit compile --emit cpp` from policy `{}` ({}). Do not edit.\n",
                     p.metadata.id, p.file);
  out += "// Regenerate it whenever the rule file changes: a stale copy is refused (fingerprint).\n";
  out += "#pragma once\n\n#include <cstdint>\n#include <string_view>\n\n#include <admit/native.hpp>\n\n";
  out += fmt::format("namespace {} {{\n\n", name);
  out += "inline constexpr std::int64_t kTables[] = {";
  for (std::size_t i = 0; i < prog.tables.size(); ++i) out += (i ? ", " : "") + std::to_string(prog.tables[i]);
  if (prog.tables.empty()) out += "0";
  out += "};\n\n";
  if (!string_index.empty()) {
    // The policy's string constants (district codes, zone ids), compared by value at run time.
    std::vector<std::string_view> ordered(string_index.size());
    for (const auto& [slot, i] : string_index) ordered[i] = strings.at(slot);
    out += "inline const std::string_view kStrings[] = {\n";
    for (std::string_view s : ordered) out += fmt::format("    {},\n", internal::cpp_literal(s));
    out += "};\n\n";
  }
  // No aliasing between the facts and the outputs: the C++ compiler may keep outputs in registers.
  out += "inline bool run_rules(const std::int64_t* __restrict f, std::int64_t* __restrict out) {\n";
  if (!locals.empty()) {
    out += "  std::int64_t";
    bool first = true;
    for (std::uint32_t r : locals) {
      out += fmt::format("{} r{} = 0", first ? "" : ",", r);
      first = false;
    }
    out += ";\n";
  }
  out += "  (void)f;\n  (void)kTables;\n";
  out += body;
  out += "}\n\n";
  // The points total with the caps as constants, so that the library does not loop over the items.
  const auto total_at = static_cast<std::uint32_t>(outputs.size());
  out += "inline bool run_decision(const std::int64_t* f, std::int64_t* out) {\n";
  out += "  if (!run_rules(f, out)) return false;\n";
  out += fmt::format("  if (out[{}] >= 0) return true;  // not eligible: no points\n", output_index.at(p.fused.failed));
  out += "  std::int64_t total = 0;\n";
  for (std::size_t i = 0; i < p.fused.raw.size(); ++i) {
    const std::string raw = fmt::format("out[{}]", output_index.at(p.fused.raw[i]));
    const std::int64_t cap = p.fused.caps[i];
    const std::string value = cap == INT64_MAX ? raw : fmt::format("({0} < {1}ll ? {0} : {1}ll)", raw, cap);
    out += fmt::format("  if (!admit::native::add(total, {}, total)) return false;\n", value);
  }
  out += fmt::format("  out[{}] = total;\n  return true;\n}}\n\n", total_at);
  out += fmt::format(
      "inline constexpr admit::NativeProgram native_program{{0x{:016x}ull, {}, &run_decision, {}}};\n\n",
      p.fused.fingerprint, outputs.size(), total_at);
  out += fmt::format("}}  // namespace {}\n", name);
  result.ok = true;
  result.code = std::move(out);
  return result;
}

}  // namespace admit
