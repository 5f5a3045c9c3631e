// Instruction metadata and the disassembler (for `admit dump` and golden tests).

#include "vm/program.hpp"

#include <string>

namespace admit::internal::vm {

OperandKinds operand_kinds(Op op) noexcept {
  using enum Operand;
  switch (op) {
    case Op::move:
    case Op::negate:
    case Op::logical_not:
    case Op::int_to_decimal:
    case Op::absolute:
    case Op::date_year:
    case Op::date_month:
    case Op::date_day:
    case Op::id_valid:
    case Op::id_birth_date:
    case Op::id_gender:
    case Op::list_length: return {reg, reg, none};
    case Op::table: return {reg, reg, immediate};
    case Op::round_decimal: return {reg, reg, immediate};
    case Op::jump: return {pc, none, none};
    case Op::jump_if_false:
    case Op::jump_if_true: return {pc, reg, none};
    case Op::fail: return {none, none, none};
    case Op::set_immediate: return {reg, none, immediate};
    case Op::branch_unless_equal_immediate: return {pc, reg, immediate};
    case Op::set_bit: return {reg, none, immediate};
    case Op::branch_if_equal:
    case Op::branch_unless_equal:
    case Op::branch_if_less:
    case Op::branch_unless_less:
    case Op::branch_if_less_equal:
    case Op::branch_unless_less_equal: return {pc, reg, reg};
    case Op::ret: return {none, reg, none};
    default: return {reg, reg, reg};
  }
}

std::string_view name_of(Op op) noexcept {
  switch (op) {
    case Op::move: return "move";
    case Op::equal: return "eq";
    case Op::not_equal: return "ne";
    case Op::less: return "lt";
    case Op::less_equal: return "le";
    case Op::greater: return "gt";
    case Op::greater_equal: return "ge";
    case Op::string_equal: return "streq";
    case Op::string_not_equal: return "strne";
    case Op::starts_with: return "startswith";
    case Op::add: return "add";
    case Op::subtract: return "sub";
    case Op::multiply_int: return "muli";
    case Op::multiply_decimal: return "muld";
    case Op::divide_decimal: return "divd";
    case Op::negate: return "neg";
    case Op::logical_not: return "not";
    case Op::int_to_decimal: return "itod";
    case Op::minimum: return "min";
    case Op::maximum: return "max";
    case Op::absolute: return "abs";
    case Op::in_mask: return "inmask";
    case Op::table: return "table";
    case Op::jump: return "jmp";
    case Op::jump_if_false: return "jf";
    case Op::jump_if_true: return "jt";
    case Op::years_between: return "years";
    case Op::months_between: return "months";
    case Op::add_days: return "adddays";
    case Op::add_months: return "addmonths";
    case Op::add_years: return "addyears";
    case Op::date_year: return "year";
    case Op::date_month: return "month";
    case Op::date_day: return "day";
    case Op::round_decimal: return "round";
    case Op::id_valid: return "idvalid";
    case Op::id_birth_date: return "idbirth";
    case Op::id_gender: return "idgender";
    case Op::list_length: return "len";
    case Op::load_field: return "field";
    case Op::branch_if_equal: return "beq";
    case Op::branch_unless_equal: return "bne";
    case Op::branch_if_less: return "blt";
    case Op::branch_unless_less: return "bnlt";
    case Op::branch_if_less_equal: return "ble";
    case Op::branch_unless_less_equal: return "bnle";
    case Op::set_immediate: return "seti";
    case Op::branch_unless_equal_immediate: return "bnei";
    case Op::set_bit: return "setbit";
    case Op::fail: return "fail";
    case Op::ret: return "ret";
  }
  return "?";
}

std::string disassemble(const Program& program) {
  std::string out;
  for (std::size_t pc = 0; pc < program.code.size(); ++pc) {
    const Instr& in = program.code[pc];
    out += std::to_string(pc) + ": " + std::string(name_of(in.op));
    OperandKinds kinds = operand_kinds(in.op);
    auto field = [&](Operand kind, std::uint32_t value) {
      switch (kind) {
        case Operand::none: return;
        case Operand::reg: out += " r" + std::to_string(value); return;
        case Operand::pc: out += " @" + std::to_string(value); return;
        case Operand::immediate: out += " #" + std::to_string(value); return;
      }
    };
    field(kinds.a, in.a);
    field(kinds.b, in.b);
    field(kinds.c, in.c);
    if (in.op == Op::load_field || in.op == Op::round_decimal || in.op == Op::fail) out += " d" + std::to_string(in.d);
    out += '\n';
  }
  return out;
}

}  // namespace admit::internal::vm
