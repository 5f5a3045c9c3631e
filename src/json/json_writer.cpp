#include "json/json_writer.hpp"

#include <array>
#include <charconv>

#include "json/json_reader.hpp"  // scan_utf8_sequence

namespace admit::internal {

namespace {

// Printable ASCII other than '"' and '\\': copied in runs without a second look.
constexpr std::array<bool, 256> make_verbatim_table() noexcept {
  std::array<bool, 256> table{};
  for (unsigned c = 0x20; c < 0x80; ++c) table[c] = c != '"' && c != '\\';
  return table;
}
constexpr std::array<bool, 256> kVerbatim = make_verbatim_table();

void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out.append("\\\""); return;
    case '\\': out.append("\\\\"); return;
    case '\b': out.append("\\b"); return;
    case '\f': out.append("\\f"); return;
    case '\n': out.append("\\n"); return;
    case '\r': out.append("\\r"); return;
    case '\t': out.append("\\t"); return;
    default: {
      constexpr char kHex[] = "0123456789abcdef";
      const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(escape, 6);
      return;
    }
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  const auto* run = p;
  auto flush = [&] { out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run)); };
  while (p != end) {
    const unsigned char c = *p;
    if (kVerbatim[c]) {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      const Utf8Sequence seq = scan_utf8_sequence(p, end);
      if (seq.valid) {
        p += seq.length;
        continue;
      }
      flush();
      out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
      p += seq.length;
      run = p;
      continue;
    }
    flush();
    append_escape(out, c);
    ++p;
    run = p;
  }
  flush();
  out.push_back('"');
}

void JsonWriter::integer(std::int64_t v) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, v);
  raw(std::string_view(digits, static_cast<std::size_t>(result.ptr - digits)));
}

}  // namespace admit::internal
