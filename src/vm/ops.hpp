#pragma once
// The semantics of each operation, shared by the interpreter and by constant folding in the
// compiler, so that a folded constant is exactly what evaluation would have produced.

#include <cstdint>
#include <string_view>

#include "admit/date.hpp"
#include "admit/decimal.hpp"
#include "admit/native.hpp"
#include "admit/resident_id.hpp"
#include "vm/program.hpp"

namespace admit::internal::vm {

inline std::string_view as_string(std::int64_t slot) noexcept { return native::as_string(slot); }
inline const ListView& as_list(std::int64_t slot) noexcept {
  return *reinterpret_cast<const ListView*>(static_cast<std::intptr_t>(slot));
}
inline std::int64_t slot_of(const std::string_view* s) noexcept {
  return static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(s));
}
inline std::int64_t slot_of(const ListView* l) noexcept {
  return static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(l));
}

// The interpreter's operations are the public native helpers (generated code calls the same ones).
inline ErrorCode ok_or(bool ok, ErrorCode error) noexcept { return ok ? ErrorCode::none : error; }
inline ErrorCode op_add(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  return ok_or(native::add(a, b, out), ErrorCode::overflow);
}
inline ErrorCode op_subtract(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  return ok_or(native::subtract(a, b, out), ErrorCode::overflow);
}
inline ErrorCode op_multiply_int(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  return ok_or(native::multiply_int(a, b, out), ErrorCode::overflow);
}
inline ErrorCode op_multiply_decimal(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  return ok_or(native::multiply_decimal(a, b, out), ErrorCode::overflow);
}
inline ErrorCode op_divide_decimal(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  if (b == 0) return ErrorCode::division_by_zero;
  return ok_or(native::divide_decimal(a, b, out), ErrorCode::overflow);
}
inline ErrorCode op_negate(std::int64_t a, std::int64_t& out) noexcept {
  return ok_or(native::negate(a, out), ErrorCode::overflow);
}
inline ErrorCode op_absolute(std::int64_t a, std::int64_t& out) noexcept {
  return ok_or(native::absolute(a, out), ErrorCode::overflow);
}
inline ErrorCode op_int_to_decimal(std::int64_t a, std::int64_t& out) noexcept {
  return ok_or(native::int_to_decimal(a, out), ErrorCode::overflow);
}
inline std::int64_t op_years_between(std::int64_t from, std::int64_t to) noexcept { return native::years_between(from, to); }
inline std::int64_t op_months_between(std::int64_t from, std::int64_t to) noexcept {
  return native::months_between(from, to);
}
inline ErrorCode op_add_days(std::int64_t date, std::int64_t n, std::int64_t& out) noexcept {
  return ok_or(native::add_days(date, n, out), ErrorCode::date_out_of_range);
}
inline ErrorCode op_add_months(std::int64_t date, std::int64_t n, std::int64_t& out) noexcept {
  return ok_or(native::add_months(date, n, out), ErrorCode::date_out_of_range);
}
inline ErrorCode op_add_years(std::int64_t date, std::int64_t n, std::int64_t& out) noexcept {
  return ok_or(native::add_years(date, n, out), ErrorCode::date_out_of_range);
}
inline std::int64_t op_date_part(std::int64_t date, int part) noexcept { return native::date_part(date, part); }
inline ErrorCode op_round(std::int64_t value, int digits, int mode, std::int64_t& out) noexcept {
  return ok_or(native::round(value, digits, mode, out), ErrorCode::overflow);
}
inline std::int64_t op_id_valid(std::int64_t id) noexcept { return native::id_valid(id); }
inline ErrorCode op_id_birth_date(std::int64_t id, std::int64_t& out) noexcept {
  return ok_or(native::id_birth_date(id, out), ErrorCode::invalid_resident_id);
}
inline ErrorCode op_id_gender(std::int64_t id, std::int64_t& out) noexcept {
  return ok_or(native::id_gender(id, out), ErrorCode::invalid_resident_id);
}

}  // namespace admit::internal::vm
