#pragma once
// A validating JSON pull reader for applicant records (JSONL, one object per line).
//
// Built for throughput on small documents: it never allocates per token. Strings without
// escapes and all numbers are returned as views into the input; only strings with escapes are
// decoded, into one buffer owned by the reader whose capacity survives reset(). Numbers are never
// converted: callers parse the exact lexeme themselves (decimals become micro-units, not doubles).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <string>
#include <string_view>
#include <vector>

namespace admit::internal {

enum class JsonToken : std::uint8_t {
  begin_object,
  end_object,
  begin_array,
  end_array,
  key,
  string,
  number,
  true_value,
  false_value,
  null_value,
  end_of_input,
  error,
};

/// "begin_object", "key", ... (for messages and test output).
std::string_view to_string(JsonToken token) noexcept;

class JsonReader {
 public:
  struct Limits {
    /// Containers may nest this deep; one more opening bracket is an error.
    std::uint32_t max_depth = 64;
    /// Longest decoded string (key or value) in bytes.
    std::size_t max_string_bytes = 1 << 20;
  };

  /// `text` must outlive the reader (and every view returned by text()).
  explicit JsonReader(std::string_view text) noexcept;
  JsonReader(std::string_view text, Limits limits) noexcept;

  /// Advances to the next token. After `key`/`string`, text() is the decoded (unescaped, UTF-8)
  /// string; after `number`, text() is the exact number lexeme as written. Validates the full
  /// RFC 8259 grammar. On error returns JsonToken::error, and keeps returning it until reset().
  /// After the single top-level value, returns end_of_input (repeatedly) if only whitespace follows.
  JsonToken next() noexcept;

  /// The current token's text, valid until the next call to next() or reset(): decoded string for
  /// key/string, lexeme for number/true/false/null and for brackets ("{", "]"), empty for
  /// end_of_input and error.
  std::string_view text() const noexcept { return text_; }

  /// Byte offset of the current token's first character (the opening quote for key/string).
  /// For error, the same as error_offset().
  std::size_t token_offset() const noexcept { return static_cast<std::size_t>(token_start_ - begin_); }

  /// Where the problem was detected: the offending character, the start of a bad escape or
  /// UTF-8 sequence, the opening quote of an unterminated or too long string, or the input size
  /// for a premature end of input. 0 when there is no error.
  std::size_t error_offset() const noexcept { return static_cast<std::size_t>(error_pos_ - begin_); }

  /// Lowercase, no trailing period; empty when there is no error.
  std::string_view error_message() const noexcept { return error_message_; }

  /// Number of containers open after the current token: 1 after the top-level begin_object,
  /// 0 after its end_object.
  std::uint32_t depth() const noexcept { return static_cast<std::uint32_t>(stack_.size()); }

  /// Skips the value that starts with the token just returned: begin_object/begin_array are read
  /// through their matching end token (which becomes the current token); scalars and end tokens
  /// need nothing. After a `key` it skips that member's value (reads and skips the next value).
  /// Returns false on error (then next() returns error too).
  bool skip_value() noexcept;

  /// Re-arms the reader on new text, keeping buffer capacities (a warm reader reused across
  /// lines allocates nothing).
  void reset(std::string_view text) noexcept;

 private:
  enum class State : std::uint8_t {
    top_value,     // before the single top-level value
    object_first,  // after '{': key or '}'
    object_next,   // after ',' in an object: key
    object_colon,  // after a key: ':' then a value
    object_after,  // after a member value: ',' or '}'
    array_first,   // after '[': value or ']'
    array_next,    // after ',' in an array: value
    array_after,   // after an element: ',' or ']'
    done,          // after the top-level value: only whitespace
    failed,
  };

  void skip_whitespace() noexcept;
  void after_value() noexcept;
  JsonToken read_value() noexcept;
  JsonToken read_key(std::string_view message_if_not_key) noexcept;
  JsonToken read_string(JsonToken kind) noexcept;
  JsonToken read_escaped_string(JsonToken kind, const char* open, const char* content) noexcept;
  JsonToken read_number() noexcept;
  JsonToken read_literal(std::string_view word, JsonToken kind) noexcept;
  JsonToken open_container(bool is_object) noexcept;
  JsonToken close_container(JsonToken kind) noexcept;
  JsonToken fail(const char* where, std::string_view message) noexcept;

  const char* begin_ = nullptr;
  const char* end_ = nullptr;
  const char* p_ = nullptr;
  const char* token_start_ = nullptr;
  const char* error_pos_ = nullptr;
  std::string_view text_;
  std::string_view error_message_;
  Limits limits_;
  std::vector<std::uint8_t> stack_;  // 1 = object, 0 = array; innermost last
  std::string buffer_;               // decoded strings that had escapes
  State state_ = State::top_value;
  JsonToken token_ = JsonToken::end_of_input;
};

/// The high bit of byte i is set when byte i of the 8 bytes at p is not plain JSON string content:
/// '"', '\\', a control character or non-ASCII (classic has-zero/has-less tricks). A borrow can
/// only raise false alarms in bytes above a flagged one, never below it and never miss one: on a
/// little-endian machine, countr_zero / 8 is exactly the offset of the first byte that is not plain.
inline std::uint64_t special_json_bytes(const char* p) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  const std::uint64_t quote = v ^ (kOnes * 0x22U);
  const std::uint64_t backslash = v ^ (kOnes * 0x5CU);
  const std::uint64_t flags = ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | (v - kOnes * 0x20) | v;
  return flags & kHighBits;
}

/// Bytes that stand for themselves in a JSON string: printable ASCII (and DEL) except '"' and '\\'.
inline constexpr auto kPlainJsonByte = [] {
  std::array<bool, 256> table{};
  for (unsigned c = 0x20; c < 0x80; ++c) table[c] = c != '"' && c != '\\';
  return table;
}();

/// The first byte in [p, end) that is not plain JSON string content ('"', '\\', a control
/// character or non-ASCII), or end: sixteen bytes at a time with SSE2 (every x86-64 has it), then
/// eight with special_json_bytes, then one by one.
inline const char* skip_plain_json(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" also catches non-ASCII.
    const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                         _mm_cmplt_epi8(v, space));
    if (const int mask = _mm_movemask_epi8(special); mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (end - p >= 8) {
    if (const std::uint64_t special = special_json_bytes(p); special != 0) return p + (__builtin_ctzll(special) >> 3);
    p += 8;
  }
#endif
  while (p != end && kPlainJsonByte[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

/// 1-based line and byte column of an offset in text (for messages). Offsets past the end are
/// clamped to text.size(). Lines end at '\n' (a preceding '\r' counts as a column).
struct LineColumn {
  std::uint32_t line;
  std::uint32_t column;
};
LineColumn line_column_of(std::string_view text, std::size_t offset) noexcept;

/// The well-formed UTF-8 sequence (per the Unicode "maximal subpart" rules) at p: valid with its
/// length 1-4, or invalid with the length of the maximal ill-formed subpart to replace (>= 1).
/// Requires p < end.
struct Utf8Sequence {
  std::uint8_t length;
  bool valid;
};
inline Utf8Sequence scan_utf8_sequence(const unsigned char* p, const unsigned char* end) noexcept {
  const unsigned lead = p[0];
  if (lead < 0x80) return {1, true};
  unsigned trailing = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;
  if (lead < 0xC2) {
    return {1, false};  // continuation byte or overlong 2-byte lead
  } else if (lead < 0xE0) {
    trailing = 1;
  } else if (lead < 0xF0) {
    trailing = 2;
    if (lead == 0xE0) lo = 0xA0;       // overlong
    else if (lead == 0xED) hi = 0x9F;  // surrogates
  } else if (lead < 0xF5) {
    trailing = 3;
    if (lead == 0xF0) lo = 0x90;       // overlong
    else if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return {1, false};
  }
  std::uint8_t n = 1;
  for (; n <= trailing; ++n) {
    if (p + n == end) return {n, false};
    const unsigned b = p[n];
    if (b < lo || b > hi) return {n, false};
    lo = 0x80;
    hi = 0xBF;
  }
  return {n, true};
}

}  // namespace admit::internal
