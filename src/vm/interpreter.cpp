// The dispatch loop. Values are untyped 64-bit slots; the compiler chose typed opcodes, so nothing
// here looks at a type or a name, and nothing allocates.

#include "vm/ops.hpp"
#include "vm/program.hpp"

namespace admit::internal::vm {

std::string_view describe(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::none: return "no error";
    case ErrorCode::overflow: return "arithmetic overflow";
    case ErrorCode::division_by_zero: return "division by zero";
    case ErrorCode::invalid_resident_id: return "the resident ID number is not valid";
    case ErrorCode::date_out_of_range: return "date out of range";
    case ErrorCode::empty_aggregate: return "aggregate over an empty list";
  }
  return "error";
}

// Dispatch: with GCC and Clang, threaded code (a jump table of label addresses, one indirect
// jump per instruction, which the branch predictor learns per opcode); otherwise a switch.
#if defined(__GNUC__)
#define ADMIT_THREADED 1
#endif

RunResult run(const Program& program, const Segment& segment, std::int64_t* r) noexcept {
  if (segment.trivial) return RunResult{r[segment.result_register], ErrorCode::none, 0};
  const Instr* const code = program.code.data();
  const std::int64_t* const tables = program.tables.data();
  const Instr* in = code + segment.entry;
  ErrorCode err = ErrorCode::none;

#if ADMIT_THREADED
  // Indexed by Op; keep in the enum's order.
  static const void* const labels[] = {
      &&op_move, &&op_equal, &&op_not_equal, &&op_less, &&op_less_equal, &&op_greater, &&op_greater_equal,
      &&op_string_equal, &&op_string_not_equal, &&op_starts_with, &&op_add, &&op_subtract, &&op_multiply_int,
      &&op_multiply_decimal, &&op_divide_decimal, &&op_negate, &&op_logical_not, &&op_int_to_decimal,
      &&op_minimum, &&op_maximum, &&op_absolute, &&op_in_mask, &&op_table, &&op_jump, &&op_jump_if_false,
      &&op_jump_if_true, &&op_years_between, &&op_months_between, &&op_add_days, &&op_add_months,
      &&op_add_years, &&op_date_year, &&op_date_month, &&op_date_day, &&op_round_decimal, &&op_id_valid,
      &&op_id_birth_date, &&op_id_gender, &&op_list_length, &&op_load_field, &&op_branch_if_equal,
      &&op_branch_unless_equal, &&op_branch_if_less, &&op_branch_unless_less, &&op_branch_if_less_equal,
      &&op_branch_unless_less_equal, &&op_set_immediate, &&op_branch_unless_equal_immediate, &&op_set_bit,
      &&op_fail, &&op_ret};
  static_assert(sizeof(labels) / sizeof(labels[0]) == static_cast<std::size_t>(Op::ret) + 1);
#define CASE(name) op_##name:
#define NEXT()                                   \
  do {                                           \
    ++in;                                        \
    goto* labels[static_cast<int>(in->op)];      \
  } while (0)
#define JUMP(target)                             \
  do {                                           \
    in = code + (target);                        \
    goto* labels[static_cast<int>(in->op)];      \
  } while (0)
#define CHECK_ERR()                              \
  do {                                           \
    if (err != ErrorCode::none) [[unlikely]]     \
      goto failed;                               \
    NEXT();                                      \
  } while (0)
  goto* labels[static_cast<int>(in->op)];
#else
#define CASE(name) case Op::name:
#define NEXT() \
  ++in;        \
  continue
#define JUMP(target)     \
  in = code + (target);  \
  continue
#define CHECK_ERR()                          \
  if (err != ErrorCode::none) goto failed;   \
  ++in;                                      \
  continue
  for (;;) switch (in->op) {
#endif

  CASE(move) r[in->a] = r[in->b]; NEXT();
  CASE(equal) r[in->a] = r[in->b] == r[in->c]; NEXT();
  CASE(not_equal) r[in->a] = r[in->b] != r[in->c]; NEXT();
  CASE(less) r[in->a] = r[in->b] < r[in->c]; NEXT();
  CASE(less_equal) r[in->a] = r[in->b] <= r[in->c]; NEXT();
  CASE(greater) r[in->a] = r[in->b] > r[in->c]; NEXT();
  CASE(greater_equal) r[in->a] = r[in->b] >= r[in->c]; NEXT();
  CASE(string_equal) r[in->a] = as_string(r[in->b]) == as_string(r[in->c]); NEXT();
  CASE(string_not_equal) r[in->a] = as_string(r[in->b]) != as_string(r[in->c]); NEXT();
  CASE(starts_with) r[in->a] = as_string(r[in->b]).starts_with(as_string(r[in->c])); NEXT();
  CASE(add) err = op_add(r[in->b], r[in->c], r[in->a]); CHECK_ERR();
  CASE(subtract) err = op_subtract(r[in->b], r[in->c], r[in->a]); CHECK_ERR();
  CASE(multiply_int) err = op_multiply_int(r[in->b], r[in->c], r[in->a]); CHECK_ERR();
  CASE(multiply_decimal) err = op_multiply_decimal(r[in->b], r[in->c], r[in->a]); CHECK_ERR();
  CASE(divide_decimal) err = op_divide_decimal(r[in->b], r[in->c], r[in->a]); CHECK_ERR();
  CASE(negate) err = op_negate(r[in->b], r[in->a]); CHECK_ERR();
  CASE(logical_not) r[in->a] = !r[in->b]; NEXT();
  CASE(int_to_decimal) err = op_int_to_decimal(r[in->b], r[in->a]); CHECK_ERR();
  CASE(minimum) r[in->a] = r[in->b] < r[in->c] ? r[in->b] : r[in->c]; NEXT();
  CASE(maximum) r[in->a] = r[in->b] > r[in->c] ? r[in->b] : r[in->c]; NEXT();
  CASE(absolute) err = op_absolute(r[in->b], r[in->a]); CHECK_ERR();
  CASE(in_mask) r[in->a] = (static_cast<std::uint64_t>(r[in->c]) >> (r[in->b] & 63)) & 1u; NEXT();
  CASE(table) r[in->a] = tables[in->c + static_cast<std::uint32_t>(r[in->b])]; NEXT();
  CASE(jump) JUMP(in->a);
  CASE(jump_if_false) if (!r[in->b]) JUMP(in->a); NEXT();
  CASE(jump_if_true) if (r[in->b]) JUMP(in->a); NEXT();
  CASE(years_between) r[in->a] = op_years_between(r[in->b], r[in->c]); NEXT();
  CASE(months_between) r[in->a] = op_months_between(r[in->b], r[in->c]); NEXT();
  CASE(add_days) err = op_add_days(r[in->b], r[in->c], r[in->a]); CHECK_ERR();
  CASE(add_months) err = op_add_months(r[in->b], r[in->c], r[in->a]); CHECK_ERR();
  CASE(add_years) err = op_add_years(r[in->b], r[in->c], r[in->a]); CHECK_ERR();
  CASE(date_year) r[in->a] = op_date_part(r[in->b], 0); NEXT();
  CASE(date_month) r[in->a] = op_date_part(r[in->b], 1); NEXT();
  CASE(date_day) r[in->a] = op_date_part(r[in->b], 2); NEXT();
  CASE(round_decimal) err = op_round(r[in->b], in->d, static_cast<int>(in->c), r[in->a]); CHECK_ERR();
  CASE(id_valid) r[in->a] = op_id_valid(r[in->b]); NEXT();
  CASE(id_birth_date) err = op_id_birth_date(r[in->b], r[in->a]); CHECK_ERR();
  CASE(id_gender) err = op_id_gender(r[in->b], r[in->a]); CHECK_ERR();
  CASE(list_length) r[in->a] = as_list(r[in->b]).count; NEXT();
  CASE(load_field) {
    const ListView& list = as_list(r[in->b]);
    r[in->a] = list.records[static_cast<std::size_t>(r[in->c]) * list.stride + in->d];
    NEXT();
  }
  CASE(branch_if_equal) if (r[in->b] == r[in->c]) JUMP(in->a); NEXT();
  CASE(branch_unless_equal) if (!(r[in->b] == r[in->c])) JUMP(in->a); NEXT();
  CASE(branch_if_less) if (r[in->b] < r[in->c]) JUMP(in->a); NEXT();
  CASE(branch_unless_less) if (!(r[in->b] < r[in->c])) JUMP(in->a); NEXT();
  CASE(branch_if_less_equal) if (r[in->b] <= r[in->c]) JUMP(in->a); NEXT();
  CASE(branch_unless_less_equal) if (!(r[in->b] <= r[in->c])) JUMP(in->a); NEXT();
  CASE(set_immediate) r[in->a] = static_cast<std::int32_t>(in->c); NEXT();
  CASE(branch_unless_equal_immediate) if (r[in->b] != static_cast<std::int32_t>(in->c)) JUMP(in->a); NEXT();
  CASE(set_bit) r[in->a] |= std::int64_t{1} << in->c; NEXT();
  CASE(fail) return RunResult{0, static_cast<ErrorCode>(in->d), static_cast<std::uint32_t>(in - code)};
  CASE(ret) return RunResult{r[in->b], ErrorCode::none, 0};
#if !ADMIT_THREADED
  }
#endif

failed:
  return RunResult{0, err, static_cast<std::uint32_t>(in - code)};
#undef CASE
#undef NEXT
#undef JUMP
#undef CHECK_ERR
}

}  // namespace admit::internal::vm
