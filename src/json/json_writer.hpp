#pragma once
// Appending JSON output helpers for result records. Everything appends to a std::string the
// caller owns and reuses, so a warm writer allocates nothing.

#include <cstdint>
#include <string>
#include <string_view>

namespace admit::internal {

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
