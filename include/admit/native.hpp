#pragma once
/// \file
/// Native code for a policy: `admit compile --emit cpp POLICY` writes a C++ header with the policy's
/// whole decision program as one function. Compile that header into your program and pass its
/// NativeProgram in CompileOptions::native: the compiler checks that it was generated from exactly
/// the same policy (a fingerprint of the compiled program), and evaluation then runs the native
/// function instead of the interpreter. Decisions are identical either way (the test suite checks
/// it); only speed differs.
///
///     #include "benchmark_county_native.hpp"        // generated
///     admit::CompileOptions options;
///     options.native = &benchmark_county::native_program;
///     auto result = admit::compile_file("benchmark-county.yaml", options);
///
/// The helpers below are the exact semantics of the evaluator's operations; generated code calls
/// them, and so does the interpreter.

#include <cstdint>
#include <string>
#include <string_view>

#include "admit/date.hpp"
#include "admit/decimal.hpp"
#include "admit/resident_id.hpp"

namespace admit {

class Policy;

/// A generated decision program. `run` reads the applicant's fact slots and writes `output_count`
/// outputs; it returns false on a run-time error (the library then re-evaluates on the interpreter,
/// which words the error).
struct NativeProgram {
  std::uint64_t fingerprint = 0;
  std::uint32_t output_count = 0;
  bool (*run)(const std::int64_t* facts, std::int64_t* outputs) = nullptr;
  /// Where `run` also writes the sum of the points items after their caps (before the policy's total
  /// cap), for an eligible applicant: an extra output after the others. UINT32_MAX in code generated
  /// before this field existed: the library then sums the items itself.
  std::uint32_t points_total = UINT32_MAX;
};

/// Result of generating C++ for a policy.
struct EmitResult {
  bool ok = false;
  std::string code;   ///< the header, when ok
  std::string error;  ///< why the policy cannot be emitted (e.g. compiled without optimization), when not ok
};

/// Generates the header for `policy`; `name` becomes the C++ namespace of the generated code.
EmitResult emit_cpp(const Policy& policy, std::string_view name);

namespace native {

inline bool add(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept { return !__builtin_add_overflow(a, b, &out); }
inline bool subtract(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  return !__builtin_sub_overflow(a, b, &out);
}
inline bool multiply_int(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  return !__builtin_mul_overflow(a, b, &out);
}
inline bool multiply_decimal(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  Decimal result;
  if (!checked_mul(Decimal::from_units(a), Decimal::from_units(b), result)) return false;
  out = result.units();
  return true;
}
inline bool divide_decimal(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  Decimal result;
  if (b == 0 || !checked_div(Decimal::from_units(a), Decimal::from_units(b), result)) return false;
  out = result.units();
  return true;
}
inline bool negate(std::int64_t a, std::int64_t& out) noexcept { return !__builtin_sub_overflow(std::int64_t{0}, a, &out); }
inline bool absolute(std::int64_t a, std::int64_t& out) noexcept {
  if (a >= 0) {
    out = a;
    return true;
  }
  return negate(a, out);
}
inline bool int_to_decimal(std::int64_t a, std::int64_t& out) noexcept {
  return !__builtin_mul_overflow(a, Decimal::kOne, &out);
}
inline std::int64_t years_between(std::int64_t from, std::int64_t to) noexcept {
  return full_years_between(Date::from_days(static_cast<std::int32_t>(from)), Date::from_days(static_cast<std::int32_t>(to)));
}
inline std::int64_t months_between(std::int64_t from, std::int64_t to) noexcept {
  return full_months_between(Date::from_days(static_cast<std::int32_t>(from)),
                             Date::from_days(static_cast<std::int32_t>(to)));
}
inline bool add_days(std::int64_t date, std::int64_t n, std::int64_t& out) noexcept {
  Date result;
  if (!admit::add_days(Date::from_days(static_cast<std::int32_t>(date)), n, result)) return false;
  out = result.days();
  return true;
}
inline bool add_months(std::int64_t date, std::int64_t n, std::int64_t& out) noexcept {
  Date result;
  if (!admit::add_months(Date::from_days(static_cast<std::int32_t>(date)), n, result)) return false;
  out = result.days();
  return true;
}
inline bool add_years(std::int64_t date, std::int64_t n, std::int64_t& out) noexcept {
  Date result;
  if (!admit::add_years(Date::from_days(static_cast<std::int32_t>(date)), n, result)) return false;
  out = result.days();
  return true;
}
inline std::int64_t date_part(std::int64_t date, int part) noexcept {
  Date d = Date::from_days(static_cast<std::int32_t>(date));
  return part == 0 ? d.year() : part == 1 ? d.month() : d.day();
}
inline bool round(std::int64_t value, int digits, int mode, std::int64_t& out) noexcept {
  Decimal result;
  if (!checked_round(Decimal::from_units(value), digits, static_cast<RoundingMode>(mode), result)) return false;
  out = result.units();
  return true;
}
inline std::string_view as_string(std::int64_t slot) noexcept {
  return *reinterpret_cast<const std::string_view*>(static_cast<std::intptr_t>(slot));
}
/// The slot value of a string held by generated code (a policy's string constants).
inline std::int64_t slot_of(const std::string_view* s) noexcept {
  return static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(s));
}
inline std::int64_t id_valid(std::int64_t id) noexcept { return is_valid_resident_id(as_string(id)); }
inline bool id_birth_date(std::int64_t id, std::int64_t& out) noexcept {
  auto date = resident_id_birth_date(as_string(id));
  if (!date) return false;
  out = date->days();
  return true;
}
inline bool id_gender(std::int64_t id, std::int64_t& out) noexcept {
  auto gender = resident_id_gender(as_string(id));
  if (!gender) return false;
  out = *gender == Gender::male ? 0 : 1;
  return true;
}
/// A list fact's slot points at {records, count, stride}.
struct ListView {
  const std::int64_t* records = nullptr;
  std::uint32_t count = 0;
  std::uint32_t stride = 0;
};
inline const ListView& as_list(std::int64_t slot) noexcept {
  return *reinterpret_cast<const ListView*>(static_cast<std::intptr_t>(slot));
}

}  // namespace native
}  // namespace admit
