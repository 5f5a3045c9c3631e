#include "json/json_reader.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace admit::internal {

namespace {

// Bytes that stand for themselves inside a string and need no further check: printable ASCII
// except '"' and '\\'. Everything else leaves the fast loop.
constexpr std::array<bool, 256> make_plain_table() noexcept {
  std::array<bool, 256> table{};
  for (unsigned c = 0x20; c < 0x80; ++c) table[c] = c != '"' && c != '\\';
  return table;
}
constexpr std::array<bool, 256> kPlain = make_plain_table();

// Characters that would glue onto a number or literal ("12a", "1.2.3", "truex"): reported as a
// malformed token rather than as a confusing "expected ','" at the next token.
constexpr std::array<bool, 256> make_word_table() noexcept {
  std::array<bool, 256> table{};
  for (unsigned c = '0'; c <= '9'; ++c) table[c] = true;
  for (unsigned c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (unsigned c = 'A'; c <= 'Z'; ++c) table[c] = true;
  table['.'] = table['+'] = table['-'] = table['_'] = true;
  return table;
}
constexpr std::array<bool, 256> kWord = make_word_table();

inline unsigned char byte_at(const char* p) noexcept { return static_cast<unsigned char>(*p); }
inline bool is_digit(char c) noexcept { return static_cast<unsigned char>(c - '0') < 10; }

inline int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads XXXX of a \uXXXX escape at p (4 chars available checked by the caller); -1 if not hex.
inline long read_hex4(const char* p) noexcept {
  long value = 0;
  for (int i = 0; i < 4; ++i) {
    const int digit = hex_value(p[i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    const char bytes[2] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(bytes, 2);
  } else if (cp < 0x10000) {
    const char bytes[3] = {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                           static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(bytes, 3);
  } else {
    const char bytes[4] = {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                           static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(bytes, 4);
  }
}

}  // namespace

std::string_view to_string(JsonToken token) noexcept {
  switch (token) {
    case JsonToken::begin_object: return "begin_object";
    case JsonToken::end_object: return "end_object";
    case JsonToken::begin_array: return "begin_array";
    case JsonToken::end_array: return "end_array";
    case JsonToken::key: return "key";
    case JsonToken::string: return "string";
    case JsonToken::number: return "number";
    case JsonToken::true_value: return "true_value";
    case JsonToken::false_value: return "false_value";
    case JsonToken::null_value: return "null_value";
    case JsonToken::end_of_input: return "end_of_input";
    case JsonToken::error: return "error";
  }
  return "unknown";
}

JsonReader::JsonReader(std::string_view text) noexcept : JsonReader(text, Limits{}) {}

JsonReader::JsonReader(std::string_view text, Limits limits) noexcept : limits_(limits) { reset(text); }

void JsonReader::reset(std::string_view text) noexcept {
  begin_ = text.data();
  end_ = text.data() + text.size();
  p_ = begin_;
  token_start_ = begin_;
  error_pos_ = begin_;
  text_ = {};
  error_message_ = {};
  stack_.clear();
  buffer_.clear();
  state_ = State::top_value;
  token_ = JsonToken::end_of_input;
}

JsonToken JsonReader::fail(const char* where, std::string_view message) noexcept {
  error_pos_ = where;
  token_start_ = where;
  error_message_ = message;
  text_ = {};
  state_ = State::failed;
  token_ = JsonToken::error;
  return JsonToken::error;
}

inline void JsonReader::skip_whitespace() noexcept {
  while (p_ != end_) {
    const char c = *p_;
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
    ++p_;
  }
}

inline void JsonReader::after_value() noexcept {
  if (stack_.empty()) state_ = State::done;
  else state_ = stack_.back() != 0 ? State::object_after : State::array_after;
}

JsonToken JsonReader::next() noexcept {
  switch (state_) {
    case State::top_value:
      skip_whitespace();
      return read_value();

    case State::object_first:
      skip_whitespace();
      if (p_ != end_ && *p_ == '}') return close_container(JsonToken::end_object);
      return read_key("expected string key or '}'");

    case State::object_next:
      skip_whitespace();
      if (p_ != end_ && *p_ == '}') return fail(p_, "trailing comma in object");
      return read_key("expected string key after ','");

    case State::object_colon:
      skip_whitespace();
      if (p_ == end_) return fail(p_, "unexpected end of input, expected ':'");
      if (*p_ != ':') return fail(p_, "expected ':' after object key");
      ++p_;
      skip_whitespace();
      return read_value();

    case State::object_after:
      skip_whitespace();
      if (p_ == end_) return fail(p_, "unexpected end of input, expected ',' or '}'");
      if (*p_ == '}') return close_container(JsonToken::end_object);
      if (*p_ != ',') return fail(p_, "expected ',' or '}' after object member");
      ++p_;
      skip_whitespace();
      if (p_ != end_ && *p_ == '}') return fail(p_, "trailing comma in object");
      return read_key("expected string key after ','");

    case State::array_first:
      skip_whitespace();
      if (p_ != end_ && *p_ == ']') return close_container(JsonToken::end_array);
      return read_value();

    case State::array_next:
      skip_whitespace();
      if (p_ != end_ && *p_ == ']') return fail(p_, "trailing comma in array");
      return read_value();

    case State::array_after:
      skip_whitespace();
      if (p_ == end_) return fail(p_, "unexpected end of input, expected ',' or ']'");
      if (*p_ == ']') return close_container(JsonToken::end_array);
      if (*p_ != ',') return fail(p_, "expected ',' or ']' after array element");
      ++p_;
      skip_whitespace();
      if (p_ != end_ && *p_ == ']') return fail(p_, "trailing comma in array");
      return read_value();

    case State::done:
      skip_whitespace();
      if (p_ != end_) return fail(p_, "unexpected data after top-level value");
      token_start_ = p_;
      text_ = {};
      token_ = JsonToken::end_of_input;
      return token_;

    case State::failed:
      return JsonToken::error;
  }
  return fail(p_, "invalid reader state");
}

JsonToken JsonReader::read_value() noexcept {
  if (p_ == end_) return fail(p_, "unexpected end of input, expected a value");
  token_start_ = p_;
  switch (*p_) {
    case '{': return open_container(true);
    case '[': return open_container(false);
    case '"': return read_string(JsonToken::string);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9': return read_number();
    case 't': return read_literal("true", JsonToken::true_value);
    case 'f': return read_literal("false", JsonToken::false_value);
    case 'n': return read_literal("null", JsonToken::null_value);
    case '+':
    case '.': return fail(p_, "number must start with '-' or a digit");
    default: return fail(p_, "expected a value");
  }
}

JsonToken JsonReader::read_key(std::string_view message_if_not_key) noexcept {
  if (p_ == end_) return fail(p_, "unexpected end of input, expected a string key");
  if (*p_ != '"') return fail(p_, message_if_not_key);
  token_start_ = p_;
  return read_string(JsonToken::key);
}

JsonToken JsonReader::open_container(bool is_object) noexcept {
  if (stack_.size() >= limits_.max_depth) return fail(p_, "maximum nesting depth exceeded");
  try {
    stack_.push_back(is_object ? 1 : 0);
  } catch (...) {
    return fail(p_, "out of memory");
  }
  text_ = {p_, 1};
  ++p_;
  state_ = is_object ? State::object_first : State::array_first;
  token_ = is_object ? JsonToken::begin_object : JsonToken::begin_array;
  return token_;
}

JsonToken JsonReader::close_container(JsonToken kind) noexcept {
  token_start_ = p_;
  text_ = {p_, 1};
  ++p_;
  stack_.pop_back();
  after_value();
  token_ = kind;
  return kind;
}

JsonToken JsonReader::read_string(JsonToken kind) noexcept {
  const char* const open = p_;
  const char* const content = ++p_;
  for (;;) {
    p_ = skip_plain_json(p_, end_);
    if (p_ == end_) return fail(open, "unterminated string");
    const unsigned char c = byte_at(p_);
    if (c == '"') break;
    if (c == '\\') return read_escaped_string(kind, open, content);
    if (c < 0x20) return fail(p_, "control character in string must be escaped");
    const Utf8Sequence seq = scan_utf8_sequence(reinterpret_cast<const unsigned char*>(p_),
                                                reinterpret_cast<const unsigned char*>(end_));
    if (!seq.valid) return fail(p_, "invalid utf-8 in string");
    p_ += seq.length;
  }
  const auto size = static_cast<std::size_t>(p_ - content);
  if (size > limits_.max_string_bytes) return fail(open, "string exceeds maximum length");
  text_ = {content, size};
  ++p_;  // closing quote
  token_ = kind;
  if (kind == JsonToken::key) state_ = State::object_colon;
  else after_value();
  return kind;
}

// Slow path, entered at the first backslash: decodes into buffer_, whose capacity is kept across
// tokens and reset() so a warm reader does not allocate.
JsonToken JsonReader::read_escaped_string(JsonToken kind, const char* open, const char* content) noexcept {
  try {
    buffer_.assign(content, static_cast<std::size_t>(p_ - content));
    for (;;) {
      const char* run = p_;
      while (p_ != end_ && kPlain[byte_at(p_)]) ++p_;
      buffer_.append(run, static_cast<std::size_t>(p_ - run));
      if (p_ == end_) return fail(open, "unterminated string");
      const unsigned char c = byte_at(p_);
      if (c == '"') break;
      if (c < 0x20) return fail(p_, "control character in string must be escaped");
      if (c >= 0x80) {
        const Utf8Sequence seq = scan_utf8_sequence(reinterpret_cast<const unsigned char*>(p_),
                                                    reinterpret_cast<const unsigned char*>(end_));
        if (!seq.valid) return fail(p_, "invalid utf-8 in string");
        buffer_.append(p_, seq.length);
        p_ += seq.length;
        continue;
      }
      // Backslash escape.
      const char* const escape = p_;
      if (end_ - p_ < 2) return fail(open, "unterminated string");
      const char e = p_[1];
      p_ += 2;
      switch (e) {
        case '"': buffer_.push_back('"'); break;
        case '\\': buffer_.push_back('\\'); break;
        case '/': buffer_.push_back('/'); break;
        case 'b': buffer_.push_back('\b'); break;
        case 'f': buffer_.push_back('\f'); break;
        case 'n': buffer_.push_back('\n'); break;
        case 'r': buffer_.push_back('\r'); break;
        case 't': buffer_.push_back('\t'); break;
        case 'u': {
          if (end_ - p_ < 4) return fail(escape, "expected 4 hex digits after \\u");
          const long unit = read_hex4(p_);
          if (unit < 0) return fail(escape, "expected 4 hex digits after \\u");
          p_ += 4;
          auto cp = static_cast<std::uint32_t>(unit);
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(escape, "unpaired low surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') {
              return fail(escape, "unpaired high surrogate in \\u escape");
            }
            const long low = read_hex4(p_ + 2);
            if (low < 0) return fail(p_, "expected 4 hex digits after \\u");
            if (low < 0xDC00 || low > 0xDFFF) return fail(escape, "unpaired high surrogate in \\u escape");
            p_ += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00);
          }
          append_utf8(buffer_, cp);
          break;
        }
        default: return fail(escape, "invalid escape sequence in string");
      }
    }
  } catch (...) {
    return fail(open, "out of memory");
  }
  if (buffer_.size() > limits_.max_string_bytes) return fail(open, "string exceeds maximum length");
  text_ = buffer_;
  ++p_;  // closing quote
  token_ = kind;
  if (kind == JsonToken::key) state_ = State::object_colon;
  else after_value();
  return kind;
}

JsonToken JsonReader::read_number() noexcept {
  const char* const start = p_;
  if (*p_ == '-') {
    ++p_;
    if (p_ == end_ || !is_digit(*p_)) return fail(p_, "expected digit after '-'");
  }
  if (*p_ == '0') {
    ++p_;
    if (p_ != end_ && is_digit(*p_)) return fail(p_ - 1, "leading zeros are not allowed in numbers");
  } else {
    while (p_ != end_ && is_digit(*p_)) ++p_;
  }
  if (p_ != end_ && *p_ == '.') {
    ++p_;
    if (p_ == end_ || !is_digit(*p_)) return fail(p_, "expected digit after decimal point");
    while (p_ != end_ && is_digit(*p_)) ++p_;
  }
  if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
    ++p_;
    if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ == end_ || !is_digit(*p_)) return fail(p_, "expected digit in exponent");
    while (p_ != end_ && is_digit(*p_)) ++p_;
  }
  if (p_ != end_ && kWord[byte_at(p_)]) return fail(p_, "invalid character in number");
  text_ = {start, static_cast<std::size_t>(p_ - start)};
  token_ = JsonToken::number;
  after_value();
  return JsonToken::number;
}

JsonToken JsonReader::read_literal(std::string_view word, JsonToken kind) noexcept {
  const auto available = static_cast<std::size_t>(end_ - p_);
  if (available < word.size() || std::memcmp(p_, word.data(), word.size()) != 0 ||
      (available > word.size() && kWord[byte_at(p_ + word.size())])) {
    return fail(p_, "invalid literal, expected true, false or null");
  }
  text_ = {p_, word.size()};
  p_ += word.size();
  token_ = kind;
  after_value();
  return kind;
}

bool JsonReader::skip_value() noexcept {
  switch (token_) {
    case JsonToken::key: {
      if (next() == JsonToken::error) return false;
      return skip_value();  // a value token now, so this recurses at most once
    }
    case JsonToken::begin_object:
    case JsonToken::begin_array: {
      const std::uint32_t target = depth() - 1;
      for (;;) {
        const JsonToken t = next();
        if (t == JsonToken::error) return false;
        if ((t == JsonToken::end_object || t == JsonToken::end_array) && depth() == target) return true;
      }
    }
    case JsonToken::error: return false;
    default: return true;
  }
}

LineColumn line_column_of(std::string_view text, std::size_t offset) noexcept {
  offset = std::min(offset, text.size());
  std::uint32_t line = 1;
  std::size_t line_start = 0;
  while (line_start < offset) {
    const void* nl = std::memchr(text.data() + line_start, '\n', offset - line_start);
    if (nl == nullptr) break;
    line_start = static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
    ++line;
  }
  return {line, static_cast<std::uint32_t>(offset - line_start + 1)};
}

}  // namespace admit::internal
