#pragma once
// The semantics of each operation, shared by the interpreter and by constant folding in the
// compiler, so that a folded constant is exactly what evaluation would have produced.

#include <cstdint>
#include <string_view>

#include "admit/date.hpp"
#include "admit/decimal.hpp"
#include "admit/resident_id.hpp"
#include "vm/program.hpp"

namespace admit::internal::vm {

inline std::string_view as_string(std::int64_t slot) noexcept {
  return *reinterpret_cast<const std::string_view*>(static_cast<std::intptr_t>(slot));
}
inline const ListView& as_list(std::int64_t slot) noexcept {
  return *reinterpret_cast<const ListView*>(static_cast<std::intptr_t>(slot));
}
inline std::int64_t slot_of(const std::string_view* s) noexcept {
  return static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(s));
}
inline std::int64_t slot_of(const ListView* l) noexcept {
  return static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(l));
}

inline ErrorCode op_add(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  return __builtin_add_overflow(a, b, &out) ? ErrorCode::overflow : ErrorCode::none;
}
inline ErrorCode op_subtract(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  return __builtin_sub_overflow(a, b, &out) ? ErrorCode::overflow : ErrorCode::none;
}
inline ErrorCode op_multiply_int(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  return __builtin_mul_overflow(a, b, &out) ? ErrorCode::overflow : ErrorCode::none;
}
inline ErrorCode op_multiply_decimal(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  Decimal result;
  if (!checked_mul(Decimal::from_units(a), Decimal::from_units(b), result)) return ErrorCode::overflow;
  out = result.units();
  return ErrorCode::none;
}
inline ErrorCode op_divide_decimal(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  if (b == 0) return ErrorCode::division_by_zero;
  Decimal result;
  if (!checked_div(Decimal::from_units(a), Decimal::from_units(b), result)) return ErrorCode::overflow;
  out = result.units();
  return ErrorCode::none;
}
inline ErrorCode op_negate(std::int64_t a, std::int64_t& out) noexcept {
  return __builtin_sub_overflow(std::int64_t{0}, a, &out) ? ErrorCode::overflow : ErrorCode::none;
}
inline ErrorCode op_absolute(std::int64_t a, std::int64_t& out) noexcept {
  if (a >= 0) {
    out = a;
    return ErrorCode::none;
  }
  return op_negate(a, out);
}
inline ErrorCode op_int_to_decimal(std::int64_t a, std::int64_t& out) noexcept {
  return __builtin_mul_overflow(a, Decimal::kOne, &out) ? ErrorCode::overflow : ErrorCode::none;
}
inline std::int64_t op_years_between(std::int64_t from, std::int64_t to) noexcept {
  return full_years_between(Date::from_days(static_cast<std::int32_t>(from)), Date::from_days(static_cast<std::int32_t>(to)));
}
inline std::int64_t op_months_between(std::int64_t from, std::int64_t to) noexcept {
  return full_months_between(Date::from_days(static_cast<std::int32_t>(from)),
                             Date::from_days(static_cast<std::int32_t>(to)));
}
inline ErrorCode op_add_days(std::int64_t date, std::int64_t n, std::int64_t& out) noexcept {
  Date result;
  if (!add_days(Date::from_days(static_cast<std::int32_t>(date)), n, result)) return ErrorCode::date_out_of_range;
  out = result.days();
  return ErrorCode::none;
}
inline ErrorCode op_add_months(std::int64_t date, std::int64_t n, std::int64_t& out) noexcept {
  Date result;
  if (!add_months(Date::from_days(static_cast<std::int32_t>(date)), n, result)) return ErrorCode::date_out_of_range;
  out = result.days();
  return ErrorCode::none;
}
inline ErrorCode op_add_years(std::int64_t date, std::int64_t n, std::int64_t& out) noexcept {
  Date result;
  if (!add_years(Date::from_days(static_cast<std::int32_t>(date)), n, result)) return ErrorCode::date_out_of_range;
  out = result.days();
  return ErrorCode::none;
}
inline std::int64_t op_date_part(std::int64_t date, int part) noexcept {
  Date d = Date::from_days(static_cast<std::int32_t>(date));
  return part == 0 ? d.year() : part == 1 ? d.month() : d.day();
}
inline ErrorCode op_round(std::int64_t value, int digits, int mode, std::int64_t& out) noexcept {
  Decimal result;
  if (!checked_round(Decimal::from_units(value), digits, static_cast<RoundingMode>(mode), result))
    return ErrorCode::overflow;
  out = result.units();
  return ErrorCode::none;
}
inline std::int64_t op_id_valid(std::int64_t id) noexcept { return is_valid_resident_id(as_string(id)); }
inline ErrorCode op_id_birth_date(std::int64_t id, std::int64_t& out) noexcept {
  auto date = resident_id_birth_date(as_string(id));
  if (!date) return ErrorCode::invalid_resident_id;
  out = date->days();
  return ErrorCode::none;
}
inline ErrorCode op_id_gender(std::int64_t id, std::int64_t& out) noexcept {
  auto gender = resident_id_gender(as_string(id));
  if (!gender) return ErrorCode::invalid_resident_id;
  out = *gender == Gender::male ? 0 : 1;
  return ErrorCode::none;
}

}  // namespace admit::internal::vm
