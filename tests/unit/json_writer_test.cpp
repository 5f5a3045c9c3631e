#include "json/json_writer.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "json/json_reader.hpp"

using admit::internal::append_json_string;
using admit::internal::JsonReader;
using admit::internal::JsonToken;
using admit::internal::JsonWriter;

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// Reads back a single JSON string literal.
std::string read_back(std::string_view json) {
  JsonReader reader(json);
  REQUIRE(reader.next() == JsonToken::string);
  std::string value(reader.text());
  REQUIRE(reader.next() == JsonToken::end_of_input);
  return value;
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p != end) {
    const auto seq = admit::internal::scan_utf8_sequence(p, end);
    if (!seq.valid) return false;
    p += seq.length;
  }
  return true;
}

}  // namespace

TEST_CASE("json writer: string escaping", "[json]") {
  CHECK(quoted("") == R"("")");
  CHECK(quoted("plain") == R"("plain")");
  CHECK(quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quoted("\n\t\r\b\f") == R"("\n\t\r\b\f")");
  CHECK(quoted(std::string_view("\0\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
  CHECK(quoted("\x7f") == "\"\x7f\"");
  CHECK(quoted("/") == R"("/")");
  CHECK(quoted("张三，第一中学") == "\"张三，第一中学\"");  // Chinese stays readable
  CHECK(quoted("\xF0\x9F\x98\x80") == "\"\xF0\x9F\x98\x80\"");
}

TEST_CASE("json writer: appends to what is already there", "[json]") {
  std::string out = "prefix ";
  append_json_string(out, "x\ny");
  CHECK(out == "prefix \"x\\ny\"");
}

TEST_CASE("json writer: invalid UTF-8 becomes U+FFFD", "[json]") {
  const std::string r = "\xEF\xBF\xBD";
  CHECK(quoted("\xFF") == "\"" + r + "\"");
  CHECK(quoted("a\x80z") == "\"a" + r + "z\"");
  CHECK(quoted("\xE4\xB8z") == "\"" + r + "z\"");              // truncated 中: one maximal subpart
  CHECK(quoted("\xE4\xB8") == "\"" + r + "\"");                // truncated at the end
  CHECK(quoted("\xC0\xAF") == "\"" + r + r + "\"");            // overlong: two subparts
  CHECK(quoted("\xED\xA0\x80") == "\"" + r + r + r + "\"");    // encoded surrogate
  CHECK(quoted("\xF4\x90\x80\x80") == "\"" + r + r + r + r + "\"");
  CHECK(quoted("中\xFF文") == "\"中" + r + "文\"");
}

TEST_CASE("json writer: commas and colons in nested structures", "[json]") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a");
  w.begin_array();
  w.integer(1);
  w.integer(-2);
  w.begin_object();
  w.key("b");
  w.null();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.end_array();
  w.key("c");
  w.begin_object();
  w.end_object();
  w.key("d");
  w.begin_array();
  w.boolean(true);
  w.boolean(false);
  w.raw("-0.35");
  w.string("x");
  w.end_array();
  w.member("e", "f");
  w.end_object();
  CHECK(out == R"({"a":[1,-2,{"b":null},[]],"c":{},"d":[true,false,-0.35,"x"],"e":"f"})");
}

TEST_CASE("json writer: integers at the extremes", "[json]") {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.integer(0);
  w.integer(std::numeric_limits<std::int64_t>::min());
  w.integer(std::numeric_limits<std::int64_t>::max());
  w.end_array();
  CHECK(out == "[0,-9223372036854775808,9223372036854775807]");
}

TEST_CASE("json writer: round trip through the reader", "[json]") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("id");
  w.string("A\"1\\");
  w.key("姓名");
  w.string("张三\n李四\t\x01");
  w.key("score");
  w.raw("612.5");
  w.key("rank");
  w.integer(-17);
  w.key("tags");
  w.begin_array();
  w.string("本县");
  w.begin_object();
  w.key("k");
  w.null();
  w.end_object();
  w.boolean(false);
  w.end_array();
  w.end_object();

  JsonReader reader(out);
  std::vector<std::string> seen;
  for (JsonToken t = reader.next(); t != JsonToken::end_of_input; t = reader.next()) {
    REQUIRE(t != JsonToken::error);
    seen.push_back(std::string(admit::internal::to_string(t)) + ":" + std::string(reader.text()));
  }
  const std::vector<std::string> expected = {
      "begin_object:{", "key:id",      "string:A\"1\\", "key:姓名",       "string:张三\n李四\t\x01",
      "key:score",      "number:612.5", "key:rank",     "number:-17",     "key:tags",
      "begin_array:[",  "string:本县",  "begin_object:{", "key:k",         "null_value:null",
      "end_object:}",   "false_value:false", "end_array:]", "end_object:}"};
  CHECK(seen == expected);
}

TEST_CASE("json writer: reused output string, several records", "[json]") {
  std::string out;
  for (int i = 0; i < 3; ++i) {
    out.clear();
    JsonWriter w(out);
    w.begin_object();
    w.key("n");
    w.integer(i);
    w.end_object();
    CHECK(out == "{\"n\":" + std::to_string(i) + "}");
  }
}

TEST_CASE("json writer: random bytes always produce a readable string", "[json]") {
  std::mt19937 rng(2024);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(rng() % 24, '\0');
    for (char& c : bytes) {
      // Bias towards interesting bytes: ASCII specials, UTF-8 leads and continuations.
      const auto pick = rng() % 6;
      if (pick == 0) c = static_cast<char>(rng() % 0x20);
      else if (pick == 1) c = "\"\\/"[rng() % 3];
      else if (pick == 2) c = static_cast<char>(0x80 + rng() % 0x40);
      else if (pick == 3) c = static_cast<char>(0xC0 + rng() % 0x40);
      else c = static_cast<char>(rng() % 256);
    }
    const std::string json = quoted(bytes);
    INFO("round " << round);
    CHECK(is_valid_utf8(json));
    const std::string back = read_back(json);
    if (is_valid_utf8(bytes)) CHECK(back == bytes);
  }
  // Valid UTF-8 round-trips exactly.
  const std::string chinese = "学区划片：城关镇第一小学（含\"实验班\"）\\ 2024";
  CHECK(read_back(quoted(chinese)) == chinese);
}
