#pragma once
// The compiled form of every expression in a policy: a register machine over 64-bit slots.
//
// Register file layout (one per evaluation, owned by the Decision's scratch):
//   [0, fact_count)                         the applicant's fact slots, copied in at the start
//   [fact_count, fact_count + constants)    constants, copied in once per Decision and policy
//   [.., register_count)                    temporaries
// Every value is one int64: bool 0/1, int, decimal micro-units, date days, enum index, string as a
// pointer to a std::string_view, list as a pointer to a ListView. Opcodes are typed by the compiler,
// so the interpreter never inspects a value's type.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "admit/native.hpp"

namespace admit::internal::vm {

enum class Op : std::uint8_t {
  move,            // a = b
  equal,           // a = b == c   (ints, decimals, dates, enums, bools)
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
  string_equal,    // a = *b == *c (string_view pointers)
  string_not_equal,
  starts_with,     // a = b starts with c (strings)
  add,             // a = b + c, checked (ints and decimals share it: same scale)
  subtract,
  multiply_int,    // a = b * c, checked
  multiply_decimal,// a = b * c / 10^6, half even, checked
  divide_decimal,  // a = b / c rounded, checked, c != 0
  negate,          // a = -b, checked
  logical_not,     // a = !b
  int_to_decimal,  // a = b * 10^6, checked
  minimum,         // a = min(b, c)
  maximum,         // a = max(b, c)
  absolute,        // a = |b|, checked
  in_mask,         // a = (c >> b) & 1; c is a 64-bit enum set
  table,           // a = tables[c + b] (an enum match compiled to a lookup)
  jump,            // pc = a
  jump_if_false,   // if !b: pc = a
  jump_if_true,    // if b: pc = a
  years_between,   // a = full years from date b to date c
  months_between,
  add_days,        // a = date b + c days, checked
  add_months,
  add_years,
  date_year,       // a = year of date b
  date_month,
  date_day,
  round_decimal,   // a = round(b, d digits) with mode c (RoundingMode)
  id_valid,        // a = string b is a valid resident ID
  id_birth_date,   // a = birth date of ID b; fails if invalid
  id_gender,       // a = 0 male / 1 female of ID b; fails if invalid
  list_length,     // a = count of list b
  load_field,      // a = field d of record c (register) of list b
  branch_if_equal,          // if b == c: pc = a   (fused compare-and-branch, made by optimize())
  branch_unless_equal,      // if !(b == c): pc = a
  branch_if_less,
  branch_unless_less,
  branch_if_less_equal,
  branch_unless_less_equal,
  set_immediate,             // a = (int32) c
  branch_unless_equal_immediate,  // if r[b] != (int32) c: pc = a
  set_bit,                   // a |= 1 << c
  fail,            // stop with error code d (ErrorCode)
  ret,             // stop; result in b
};

enum class ErrorCode : std::uint8_t {
  none,
  overflow,
  division_by_zero,
  invalid_resident_id,
  date_out_of_range,
  empty_aggregate,
};
std::string_view describe(ErrorCode code) noexcept;

inline constexpr bool is_fused_branch(Op op) noexcept { return op >= Op::branch_if_equal && op <= Op::branch_unless_less_equal; }

struct Instr {
  Op op{};
  std::uint8_t unused = 0;
  std::uint16_t d = 0;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::uint32_t c = 0;
};
static_assert(sizeof(Instr) == 16);

using ListView = native::ListView;  // records: count * stride slots

/// A code segment: one condition, points item or derived value.
struct Segment {
  std::uint32_t entry = 0;
  std::uint32_t result_register = 0;  // when the segment folded to a constant or a plain register,
  bool trivial = false;               // no code runs: the result is register result_register
  Op inline_op = Op::ret;             // a single comparison of registers inline_b, inline_c (else ret)
  std::uint32_t inline_b = 0;
  std::uint32_t inline_c = 0;
  std::vector<std::uint32_t> facts_read;  // fact slots the expression reads (for traces)
};

struct Program {
  std::vector<Instr> code;
  std::vector<std::uint32_t> spans;  // per instruction: byte offset in the rule file, for run-time errors
  std::vector<std::int64_t> constants;  // the constant registers' values, in register order
  std::vector<std::int64_t> tables;     // lookup tables for `table`
  std::uint64_t serial = 0;  // unique per compiled policy in this process (decisions cache constants by it)
  std::uint32_t fact_count = 0;
  std::uint32_t register_count = 0;
  // Owned storage that constants point into (string constants).
  std::vector<std::unique_ptr<std::string_view>> string_constants;
  std::vector<std::unique_ptr<std::string>> string_storage;
};

struct RunResult {
  std::int64_t value = 0;
  ErrorCode error = ErrorCode::none;
  std::uint32_t error_pc = 0;
};

/// How each operand field of an instruction is used (registers are relocated after compilation).
enum class Operand : std::uint8_t { none, reg, pc, immediate };
struct OperandKinds {
  Operand a, b, c;
};
OperandKinds operand_kinds(Op op) noexcept;
std::string_view name_of(Op op) noexcept;

/// Runs a segment over a register file already holding facts and constants.
RunResult run(const Program& program, const Segment& segment, std::int64_t* registers) noexcept;

/// The fast path callers use: trivial and single-comparison segments never enter the interpreter.
inline RunResult run_segment(const Program& program, const Segment& segment, std::int64_t* r) noexcept {
  if (segment.trivial) return RunResult{r[segment.result_register], ErrorCode::none, 0};
  const std::int64_t b = r[segment.inline_b], c = r[segment.inline_c];
  switch (segment.inline_op) {
    case Op::equal: return RunResult{b == c, ErrorCode::none, 0};
    case Op::not_equal: return RunResult{b != c, ErrorCode::none, 0};
    case Op::less: return RunResult{b < c, ErrorCode::none, 0};
    case Op::less_equal: return RunResult{b <= c, ErrorCode::none, 0};
    case Op::greater: return RunResult{b > c, ErrorCode::none, 0};
    case Op::greater_equal: return RunResult{b >= c, ErrorCode::none, 0};
    case Op::in_mask: return RunResult{static_cast<std::int64_t>((static_cast<std::uint64_t>(c) >> (b & 63)) & 1u), ErrorCode::none, 0};
    default: return run(program, segment, r);
  }
}

std::string disassemble(const Program& program);

}  // namespace admit::internal::vm
