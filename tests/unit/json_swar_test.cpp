// The eight-bytes-at-a-time scans of the JSON reader and writer stop exactly at the first byte that
// is not plain ('"', '\\', control, non-ASCII), wherever it falls inside or across 8-byte blocks:
// checked against byte-by-byte references for every position and every kind of special byte.

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "json/json_reader.hpp"
#include "json/json_writer.hpp"

namespace {

// The writer's documented behaviour, one byte at a time (valid UTF-8 passes, invalid becomes U+FFFD).
std::string reference_json_string(std::string_view s) {
  std::string out = "\"";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p != end) {
    const unsigned char c = *p;
    if (c >= 0x80) {
      const auto seq = admit::internal::scan_utf8_sequence(p, end);
      if (seq.valid) out.append(reinterpret_cast<const char*>(p), seq.length);
      else out += "\xEF\xBF\xBD";
      p += seq.length;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++p;
  }
  return out + "\"";
}

}  // namespace

TEST_CASE("json scans: a special byte at every offset, in the writer and the reader", "[json][swar]") {
  const std::string specials[] = {"\"", "\\", "\n", std::string(1, '\x01'), std::string(1, '\x1f'), "\x7f", "\xC3\xA9",
                                  "\xE6\x9C\xAC", "\xF0\x9F\x98\x80", "\xFF", "\xC3", " ", "~"};
  for (std::size_t length = 0; length < 40; ++length)
    for (std::size_t at = 0; at <= length; ++at)
      for (const std::string& special : specials) {
        std::string s(length, 'a');
        for (std::size_t i = 0; i < length; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
        s.insert(at, special);
        if (at % 3 == 0) s += special;  // a second one further on
        INFO("length " << length << " at " << at << " special " << static_cast<int>(static_cast<unsigned char>(special[0])));
        std::string written;
        admit::internal::append_json_string(written, s);
        REQUIRE(written == reference_json_string(s));

        // The reader decodes what the writer wrote back to the text (invalid UTF-8 aside), with
        // trailing bytes after the string so the 8-byte loads run past its end.
        const std::string document = "[" + written + ",\"" + std::string(16, 'z') + "\"]";
        admit::internal::JsonReader reader(document);
        REQUIRE(reader.next() == admit::internal::JsonToken::begin_array);
        REQUIRE(reader.next() == admit::internal::JsonToken::string);
        if (special != "\xFF" && special != "\xC3") CHECK(reader.text() == s);
        REQUIRE(reader.next() == admit::internal::JsonToken::string);
        CHECK(reader.text() == std::string(16, 'z'));
      }
}

TEST_CASE("json scans: raw special bytes inside a string are found at their offset", "[json][swar]") {
  for (std::size_t at = 0; at < 24; ++at)
    for (const char bad : {'\x01', '\n', '\x1f'}) {
      std::string document = "[\"" + std::string(at, 'a') + bad + std::string(20, 'b') + "\"]";
      admit::internal::JsonReader reader(document);
      REQUIRE(reader.next() == admit::internal::JsonToken::begin_array);
      REQUIRE(reader.next() == admit::internal::JsonToken::error);
      CHECK(reader.error_offset() == 2 + at);
      CHECK(reader.error_message() == "control character in string must be escaped");
    }
}
