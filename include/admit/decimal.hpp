#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace admit {

/// Exact fixed-point decimal: an int64 count of millionths. 0.1 + 0.2 == 0.3 exactly.
/// Policies compare scores and incomes against thresholds written in decimal; binary floating point
/// would make "85.1 >= 85.1" depend on how the numbers were computed. The range is the whole int64
/// range of units: -9223372036854.775808 .. 9223372036854.775807.
class Decimal {
 public:
  /// Digits after the point.
  static constexpr int kScale = 6;
  /// Units per 1 (10^kScale).
  static constexpr std::int64_t kOne = 1'000'000;

  /// Zero.
  constexpr Decimal() noexcept = default;

  /// Wraps a raw count of millionths (the 64-bit slot representation used by the VM).
  static constexpr Decimal from_units(std::int64_t units) noexcept {
    Decimal d;
    d.units_ = units;
    return d;
  }

  /// An integer value; the caller guarantees no overflow (|value| <= 9'223'372'036'854).
  static constexpr Decimal from_int(std::int64_t value) noexcept { return from_units(value * kOne); }

  /// The largest and smallest representable values (for range checks and saturation by callers).
  static constexpr Decimal max() noexcept { return from_units(std::numeric_limits<std::int64_t>::max()); }
  static constexpr Decimal min() noexcept { return from_units(std::numeric_limits<std::int64_t>::min()); }

  /// Parses "12", "-0.35", "+3.5", "0.000001", "007.50". Grammar: [+-] digit+ [ '.' digit{1,6} ].
  /// More than 6 fractional digits is an error (never rounded); no exponent, no spaces, at least one
  /// digit on each side of the point (".5" and "5." are rejected: both are usually typos in a policy),
  /// leading zeros allowed, range checked (the full int64 unit range, including its minimum).
  /// nullopt on any error.
  static std::optional<Decimal> parse(std::string_view text) noexcept;

  /// The raw count of millionths.
  constexpr std::int64_t units() const noexcept { return units_; }

  /// Canonical text: no trailing zeros, no trailing point, no "+", no "-0": "30", "30.5", "-0.35", "0".
  /// parse(to_string()) round-trips exactly.
  std::string to_string() const;

  /// Writes the canonical text into buf (needs kMaxTextLength = 24 chars; no NUL is written) and
  /// returns the length. No allocation, for the hot path of decision rendering.
  std::size_t format_to(char* buf) const noexcept;

  /// Buffer size sufficient for format_to ("-9223372036854.775808" is 21 chars).
  static constexpr std::size_t kMaxTextLength = 24;

  friend constexpr auto operator<=>(Decimal, Decimal) noexcept = default;
  friend constexpr bool operator==(Decimal, Decimal) noexcept = default;

 private:
  std::int64_t units_ = 0;
};

/// Checked arithmetic: return false on overflow (out untouched or unspecified), true otherwise.
/// There are deliberately no arithmetic operators: the evaluator must observe every overflow.
bool checked_add(Decimal a, Decimal b, Decimal& out) noexcept;
bool checked_sub(Decimal a, Decimal b, Decimal& out) noexcept;
/// Product rounded to 6 places, half to even (banker's rounding avoids a systematic upward bias
/// when many products are summed). False on overflow.
bool checked_mul(Decimal a, Decimal b, Decimal& out) noexcept;
/// Quotient rounded to 6 places, half to even; false on overflow and when b == 0.
bool checked_div(Decimal a, Decimal b, Decimal& out) noexcept;

/// Rounding rules a policy can ask for explicitly.
enum class RoundingMode : std::uint8_t {
  half_up,    ///< "四舍五入": ties away from zero (2.45 -> 2.5, -2.45 -> -2.5)
  half_even,  ///< ties to the even neighbour (2.45 -> 2.4, 2.55 -> 2.6)
  truncate,   ///< toward zero
  floor,      ///< toward -infinity
  ceil,       ///< toward +infinity
};

/// Rounds to `digits` places (0..6) with `mode`. digits outside 0..6 -> value unchanged (true).
/// Returns false when the rounded value is not representable (only possible within one step of the
/// int64 limits, e.g. ceil(Decimal::max(), 0)).
bool checked_round(Decimal v, int digits, RoundingMode mode, Decimal& out) noexcept;

/// Rounding to `digits` places (0..6): round_half_up is "四舍五入" (half away from zero), truncate toward
/// zero, floor toward -inf, ceil toward +inf. digits outside 0..6 -> value unchanged.
/// If the exact result is not representable (within one step of the int64 limits), the result is the
/// truncated value instead; use checked_round to detect that.
Decimal round_half_up(Decimal v, int digits) noexcept;
Decimal truncate(Decimal v, int digits) noexcept;
Decimal floor(Decimal v, int digits = 0) noexcept;
Decimal ceil(Decimal v, int digits = 0) noexcept;

}  // namespace admit
