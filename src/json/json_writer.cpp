#include "json/json_writer.hpp"

#include <array>
#include <charconv>

#include "json/json_reader.hpp"  // scan_utf8_sequence

namespace admit::internal {

namespace {

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
  const char* p = s.data();
  const char* const end = p + s.size();
  const char* run = p;
  auto flush = [&] { out.append(run, static_cast<std::size_t>(p - run)); };
  for (;;) {
    p = skip_plain_json(p, end);  // verbatim bytes are the plain ones
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      const auto* u = reinterpret_cast<const unsigned char*>(p);
      const Utf8Sequence seq = scan_utf8_sequence(u, reinterpret_cast<const unsigned char*>(end));
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
