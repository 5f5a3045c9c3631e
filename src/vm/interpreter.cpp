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

RunResult run(const Program& program, const Segment& segment, std::int64_t* r) noexcept {
  if (segment.trivial) return RunResult{r[segment.result_register], ErrorCode::none, 0};
  const Instr* code = program.code.data();
  const std::int64_t* tables = program.tables.data();
  std::uint32_t pc = segment.entry;
  for (;;) {
    const Instr& in = code[pc];
    ErrorCode err = ErrorCode::none;
    switch (in.op) {
      case Op::move: r[in.a] = r[in.b]; break;
      case Op::equal: r[in.a] = r[in.b] == r[in.c]; break;
      case Op::not_equal: r[in.a] = r[in.b] != r[in.c]; break;
      case Op::less: r[in.a] = r[in.b] < r[in.c]; break;
      case Op::less_equal: r[in.a] = r[in.b] <= r[in.c]; break;
      case Op::greater: r[in.a] = r[in.b] > r[in.c]; break;
      case Op::greater_equal: r[in.a] = r[in.b] >= r[in.c]; break;
      case Op::string_equal: r[in.a] = as_string(r[in.b]) == as_string(r[in.c]); break;
      case Op::string_not_equal: r[in.a] = as_string(r[in.b]) != as_string(r[in.c]); break;
      case Op::starts_with: r[in.a] = as_string(r[in.b]).starts_with(as_string(r[in.c])); break;
      case Op::add: err = op_add(r[in.b], r[in.c], r[in.a]); break;
      case Op::subtract: err = op_subtract(r[in.b], r[in.c], r[in.a]); break;
      case Op::multiply_int: err = op_multiply_int(r[in.b], r[in.c], r[in.a]); break;
      case Op::multiply_decimal: err = op_multiply_decimal(r[in.b], r[in.c], r[in.a]); break;
      case Op::divide_decimal: err = op_divide_decimal(r[in.b], r[in.c], r[in.a]); break;
      case Op::negate: err = op_negate(r[in.b], r[in.a]); break;
      case Op::logical_not: r[in.a] = !r[in.b]; break;
      case Op::int_to_decimal: err = op_int_to_decimal(r[in.b], r[in.a]); break;
      case Op::minimum: r[in.a] = r[in.b] < r[in.c] ? r[in.b] : r[in.c]; break;
      case Op::maximum: r[in.a] = r[in.b] > r[in.c] ? r[in.b] : r[in.c]; break;
      case Op::absolute: err = op_absolute(r[in.b], r[in.a]); break;
      case Op::in_mask: r[in.a] = (static_cast<std::uint64_t>(r[in.c]) >> (r[in.b] & 63)) & 1u; break;
      case Op::table: r[in.a] = tables[in.c + static_cast<std::uint32_t>(r[in.b])]; break;
      case Op::jump: pc = in.a; continue;
      case Op::jump_if_false:
        if (!r[in.b]) {
          pc = in.a;
          continue;
        }
        break;
      case Op::jump_if_true:
        if (r[in.b]) {
          pc = in.a;
          continue;
        }
        break;
      case Op::years_between: r[in.a] = op_years_between(r[in.b], r[in.c]); break;
      case Op::months_between: r[in.a] = op_months_between(r[in.b], r[in.c]); break;
      case Op::add_days: err = op_add_days(r[in.b], r[in.c], r[in.a]); break;
      case Op::add_months: err = op_add_months(r[in.b], r[in.c], r[in.a]); break;
      case Op::add_years: err = op_add_years(r[in.b], r[in.c], r[in.a]); break;
      case Op::date_year: r[in.a] = op_date_part(r[in.b], 0); break;
      case Op::date_month: r[in.a] = op_date_part(r[in.b], 1); break;
      case Op::date_day: r[in.a] = op_date_part(r[in.b], 2); break;
      case Op::round_decimal: err = op_round(r[in.b], in.d, static_cast<int>(in.c), r[in.a]); break;
      case Op::id_valid: r[in.a] = op_id_valid(r[in.b]); break;
      case Op::id_birth_date: err = op_id_birth_date(r[in.b], r[in.a]); break;
      case Op::id_gender: err = op_id_gender(r[in.b], r[in.a]); break;
      case Op::list_length: r[in.a] = as_list(r[in.b]).count; break;
      case Op::load_field: {
        const ListView& list = as_list(r[in.b]);
        r[in.a] = list.records[static_cast<std::size_t>(r[in.c]) * list.stride + in.d];
        break;
      }
      case Op::fail: return RunResult{0, static_cast<ErrorCode>(in.d), pc};
      case Op::ret: return RunResult{r[in.b], ErrorCode::none, 0};
    }
    if (err != ErrorCode::none) [[unlikely]]
      return RunResult{0, err, pc};
    ++pc;
  }
}

}  // namespace admit::internal::vm
