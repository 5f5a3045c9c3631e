#include "admit/decimal.hpp"

#include <cstdint>
#include <limits>

namespace admit {
namespace {

// GCC/Clang extension; __extension__ keeps -Wpedantic quiet.
__extension__ typedef __int128 Int128;

constexpr std::int64_t kMaxUnits = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinUnits = std::numeric_limits<std::int64_t>::min();

constexpr std::int64_t kPow10[] = {1, 10, 100, 1'000, 10'000, 100'000, 1'000'000};

bool fits_int64(Int128 v) noexcept { return v >= kMinUnits && v <= kMaxUnits; }

Int128 abs128(Int128 v) noexcept { return v < 0 ? -v : v; }

// n / d rounded to an integer, half to even. d != 0; |n| < 2^126 so nothing here overflows.
Int128 div_half_even(Int128 n, Int128 d) noexcept {
  Int128 q = n / d;
  const Int128 r = n % d;
  if (r == 0) return q;
  const Int128 twice_r = abs128(r) * 2;
  const Int128 abs_d = abs128(d);
  const bool negative = (n < 0) != (d < 0);
  if (twice_r > abs_d || (twice_r == abs_d && (q & 1) != 0)) q += negative ? -1 : 1;
  return q;
}

}  // namespace

std::optional<Decimal> Decimal::parse(std::string_view text) noexcept {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  // Accumulate the magnitude in units as uint64: it can reach 2^63 for the minimum value.
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 63;
  std::uint64_t int_part = 0;
  const std::size_t int_begin = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    int_part = int_part * 10 + static_cast<std::uint64_t>(text[i] - '0');
    // Early exit keeps the multiplication from wrapping on absurdly long inputs.
    if (int_part > kLimit / static_cast<std::uint64_t>(kOne)) return std::nullopt;
    ++i;
  }
  if (i == int_begin) return std::nullopt;
  std::uint64_t frac = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t frac_begin = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (i - frac_begin >= static_cast<std::size_t>(kScale)) return std::nullopt;
      frac = frac * 10 + static_cast<std::uint64_t>(text[i] - '0');
      ++i;
    }
    const std::size_t frac_digits = i - frac_begin;
    if (frac_digits == 0) return std::nullopt;
    frac *= static_cast<std::uint64_t>(kPow10[kScale - static_cast<int>(frac_digits)]);
  }
  if (i != text.size()) return std::nullopt;
  const std::uint64_t magnitude = int_part * static_cast<std::uint64_t>(kOne) + frac;  // <= 2^63 + 999999
  if (negative) {
    if (magnitude > kLimit) return std::nullopt;
    // Two's complement negation in uint64, then a well-defined conversion (C++20).
    return from_units(static_cast<std::int64_t>(~magnitude + 1));
  }
  if (magnitude >= kLimit) return std::nullopt;
  return from_units(static_cast<std::int64_t>(magnitude));
}

std::size_t Decimal::format_to(char* buf) const noexcept {
  const bool negative = units_ < 0;
  std::uint64_t magnitude =
      negative ? ~static_cast<std::uint64_t>(units_) + 1 : static_cast<std::uint64_t>(units_);
  std::uint64_t int_part = magnitude / static_cast<std::uint64_t>(kOne);
  std::uint64_t frac = magnitude % static_cast<std::uint64_t>(kOne);

  std::size_t n = 0;
  if (negative) buf[n++] = '-';
  char digits[20];
  std::size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + int_part % 10);
    int_part /= 10;
  } while (int_part != 0);
  while (count != 0) buf[n++] = digits[--count];

  if (frac != 0) {
    int frac_digits = kScale;
    while (frac % 10 == 0) {
      frac /= 10;
      --frac_digits;
    }
    buf[n++] = '.';
    for (int k = frac_digits - 1; k >= 0; --k) {
      buf[n + static_cast<std::size_t>(k)] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    n += static_cast<std::size_t>(frac_digits);
  }
  return n;
}

std::string Decimal::to_string() const {
  char buf[kMaxTextLength];
  return std::string(buf, format_to(buf));
}

bool checked_add(Decimal a, Decimal b, Decimal& out) noexcept {
  std::int64_t r;
  if (__builtin_add_overflow(a.units(), b.units(), &r)) return false;
  out = Decimal::from_units(r);
  return true;
}

bool checked_sub(Decimal a, Decimal b, Decimal& out) noexcept {
  std::int64_t r;
  if (__builtin_sub_overflow(a.units(), b.units(), &r)) return false;
  out = Decimal::from_units(r);
  return true;
}

bool checked_mul(Decimal a, Decimal b, Decimal& out) noexcept {
  // |a*b| < 2^126: fits Int128.
  const Int128 product = static_cast<Int128>(a.units()) * b.units();
  const Int128 r = div_half_even(product, Decimal::kOne);
  if (!fits_int64(r)) return false;
  out = Decimal::from_units(static_cast<std::int64_t>(r));
  return true;
}

bool checked_div(Decimal a, Decimal b, Decimal& out) noexcept {
  if (b.units() == 0) return false;
  // |a * 10^6| < 2^83: fits Int128.
  const Int128 numerator = static_cast<Int128>(a.units()) * Decimal::kOne;
  const Int128 r = div_half_even(numerator, b.units());
  if (!fits_int64(r)) return false;
  out = Decimal::from_units(static_cast<std::int64_t>(r));
  return true;
}

bool checked_round(Decimal v, int digits, RoundingMode mode, Decimal& out) noexcept {
  if (digits < 0 || digits >= Decimal::kScale) {
    out = v;
    return true;
  }
  const std::int64_t step = kPow10[Decimal::kScale - digits];
  const std::int64_t u = v.units();
  Int128 q = u / step;
  const std::int64_t r = u % step;  // same sign as u (or zero)
  if (r != 0) {
    const std::int64_t twice_abs_r = (r < 0 ? -r : r) * 2;  // < 2 * 10^6, no overflow
    const int away = u < 0 ? -1 : 1;
    switch (mode) {
      case RoundingMode::half_up:
        if (twice_abs_r >= step) q += away;
        break;
      case RoundingMode::half_even:
        if (twice_abs_r > step || (twice_abs_r == step && (q & 1) != 0)) q += away;
        break;
      case RoundingMode::truncate:
        break;
      case RoundingMode::floor:
        if (r < 0) q -= 1;
        break;
      case RoundingMode::ceil:
        if (r > 0) q += 1;
        break;
    }
  }
  const Int128 result = q * step;
  if (!fits_int64(result)) return false;
  out = Decimal::from_units(static_cast<std::int64_t>(result));
  return true;
}

namespace {

Decimal round_or_truncate(Decimal v, int digits, RoundingMode mode) noexcept {
  Decimal out;
  if (checked_round(v, digits, mode, out)) return out;
  // Truncation always fits: its magnitude never exceeds |v|.
  checked_round(v, digits, RoundingMode::truncate, out);
  return out;
}

}  // namespace

Decimal round_half_up(Decimal v, int digits) noexcept {
  return round_or_truncate(v, digits, RoundingMode::half_up);
}

Decimal truncate(Decimal v, int digits) noexcept {
  return round_or_truncate(v, digits, RoundingMode::truncate);
}

Decimal floor(Decimal v, int digits) noexcept { return round_or_truncate(v, digits, RoundingMode::floor); }

Decimal ceil(Decimal v, int digits) noexcept { return round_or_truncate(v, digits, RoundingMode::ceil); }

}  // namespace admit
