#pragma once
// Appending JSON output helpers for result records. Everything appends to a std::string the
// caller owns and reuses, so a warm writer allocates nothing.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace admit::internal {

/// Two decimal digits per entry: "00", "01", ... "99".
inline constexpr char kDigitPairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/// Writes the decimal digits of v at p (at most 20 characters); returns the end.
inline char* write_uint(char* p, std::uint64_t v) noexcept {
  char digits[20];
  char* const end = digits + sizeof digits;
  char* b = end;
  while (v >= 100) {
    const auto pair = static_cast<std::size_t>(v % 100) * 2;
    v /= 100;
    b -= 2;
    b[0] = kDigitPairs[pair];
    b[1] = kDigitPairs[pair + 1];
  }
  if (v >= 10) {
    b -= 2;
    b[0] = kDigitPairs[v * 2];
    b[1] = kDigitPairs[v * 2 + 1];
  } else {
    *--b = static_cast<char>('0' + v);
  }
  const auto n = static_cast<std::size_t>(end - b);
  std::memcpy(p, b, n);
  return p + n;
}

/// Writes v in decimal at p (at most 20 characters); returns the end.
inline char* write_int(char* p, std::int64_t v) noexcept {
  if (v < 0) {
    *p++ = '-';
    return write_uint(p, ~static_cast<std::uint64_t>(v) + 1);
  }
  return write_uint(p, static_cast<std::uint64_t>(v));
}

/// Writes a decimal of `units` millionths in admit::Decimal's canonical text ("96", "72.5",
/// "-0.000001": no exponent, no trailing zeros) at p (at most 21 characters); returns the end.
inline char* write_decimal_units(char* p, std::int64_t units) noexcept {
  std::uint64_t magnitude = static_cast<std::uint64_t>(units);
  if (units < 0) {
    *p++ = '-';
    magnitude = ~magnitude + 1;
  }
  p = write_uint(p, magnitude / 1000000);
  auto fraction = static_cast<std::uint32_t>(magnitude % 1000000);
  if (fraction == 0) return p;
  char digits[6];
  for (int i = 5; i >= 0; --i, fraction /= 10) digits[i] = static_cast<char>('0' + fraction % 10);
  std::size_t n = 6;
  while (digits[n - 1] == '0') --n;
  *p++ = '.';
  std::memcpy(p, digits, n);
  return p + n;
}

/// Appends s as a JSON string literal with quotes. Escapes '"', '\\' and control characters
/// (\n \t \r \b \f, others \u00XX); valid UTF-8 passes through unchanged (Chinese stays readable);
/// each maximal ill-formed UTF-8 subpart becomes U+FFFD.
void append_json_string(std::string& out, std::string_view s);

/// A minimal streaming writer that places commas and colons. It does not check nesting: the
/// caller's code shape guarantees balance (misuse produces invalid JSON, which the reader catches
/// in tests).
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) noexcept : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  /// Writes `"k":`; the next call writes the member's value.
  void key(std::string_view k) {
    separate();
    append_json_string(out_, k);
    out_.push_back(':');
    need_comma_ = false;
  }

  void string(std::string_view v) {
    separate();
    append_json_string(out_, v);
    need_comma_ = true;
  }

  /// Appends a ready-made JSON value verbatim (a number lexeme, a nested document).
  void raw(std::string_view json_literal) {
    separate();
    out_.append(json_literal);
    need_comma_ = true;
  }

  void boolean(bool v) { raw(v ? std::string_view("true") : std::string_view("false")); }
  void null() { raw("null"); }
  void integer(std::int64_t v);

  /// key(k) followed by the value: the common shape of result records.
  void member(std::string_view k, std::string_view v) {
    key(k);
    string(v);
  }

  std::string& out() noexcept { return out_; }

 private:
  void separate() {
    if (need_comma_) out_.push_back(',');
  }
  void open(char bracket) {
    separate();
    out_.push_back(bracket);
    need_comma_ = false;
  }
  void close(char bracket) {
    out_.push_back(bracket);
    need_comma_ = true;
  }

  std::string& out_;
  bool need_comma_ = false;  // a value was completed in the current container
};

}  // namespace admit::internal
