#include "json/json_reader.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using admit::internal::JsonReader;
using admit::internal::JsonToken;
using admit::internal::line_column_of;

namespace {

// "kind" or "kind:text" per token, through end_of_input or error (the error adds its message).
std::vector<std::string> tokens_of(std::string_view json) {
  JsonReader reader(json);
  std::vector<std::string> out;
  for (;;) {
    const JsonToken t = reader.next();
    std::string entry(admit::internal::to_string(t));
    if (t == JsonToken::error) {
      entry += ":" + std::string(reader.error_message());
    } else if (t == JsonToken::key || t == JsonToken::string || t == JsonToken::number) {
      entry += ":" + std::string(reader.text());
    }
    out.push_back(entry);
    if (t == JsonToken::end_of_input || t == JsonToken::error) return out;
    REQUIRE(out.size() < 10000);
  }
}

struct ErrorResult {
  std::string message;
  std::size_t offset;
};

// Reads to the end; the document must fail.
ErrorResult error_of(std::string_view json, JsonReader::Limits limits = {}) {
  JsonReader reader(json, limits);
  for (std::size_t i = 0; i < json.size() + 2; ++i) {
    const JsonToken t = reader.next();
    if (t == JsonToken::error) return {std::string(reader.error_message()), reader.error_offset()};
    if (t == JsonToken::end_of_input) break;
  }
  FAIL("expected an error for: " << json);
  return {};
}

// Reads to the end; the document must be valid. Returns the single string value it holds, if any.
bool is_valid(std::string_view json) {
  JsonReader reader(json);
  for (std::size_t i = 0; i < json.size() + 2; ++i) {
    const JsonToken t = reader.next();
    if (t == JsonToken::error) return false;
    if (t == JsonToken::end_of_input) return true;
  }
  return false;
}

std::string single_string(std::string_view json) {
  JsonReader reader(json);
  REQUIRE(reader.next() == JsonToken::string);
  std::string value(reader.text());
  REQUIRE(reader.next() == JsonToken::end_of_input);
  return value;
}

bool points_into(std::string_view inner, std::string_view outer) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

}  // namespace

TEST_CASE("json reader: every token kind", "[json]") {
  const std::string_view json =
      R"({"s":"x","n":-0.35,"i":12,"e":1e3,"t":true,"f":false,"z":null,"a":[],"o":{}})";
  const std::vector<std::string> expected = {
      "begin_object", "key:s",      "string:x",    "key:n", "number:-0.35", "key:i",      "number:12",
      "key:e",        "number:1e3", "key:t",       "true_value", "key:f",  "false_value", "key:z",
      "null_value",   "key:a",      "begin_array", "end_array",  "key:o",  "begin_object", "end_object",
      "end_object",   "end_of_input"};
  CHECK(tokens_of(json) == expected);
}

TEST_CASE("json reader: scalar top-level values and whitespace", "[json]") {
  CHECK(tokens_of("  true \n") == std::vector<std::string>{"true_value", "end_of_input"});
  CHECK(tokens_of("null") == std::vector<std::string>{"null_value", "end_of_input"});
  CHECK(tokens_of("\t\r\n\"a\"\r\n") == std::vector<std::string>{"string:a", "end_of_input"});
  CHECK(tokens_of("-0") == std::vector<std::string>{"number:-0", "end_of_input"});
}

TEST_CASE("json reader: end_of_input repeats", "[json]") {
  JsonReader reader("[]");
  CHECK(reader.next() == JsonToken::begin_array);
  CHECK(reader.next() == JsonToken::end_array);
  CHECK(reader.next() == JsonToken::end_of_input);
  CHECK(reader.next() == JsonToken::end_of_input);
  CHECK(reader.error_message().empty());
}

TEST_CASE("json reader: nested objects and arrays with depth", "[json]") {
  JsonReader reader(R"({"a":[1,[2,{"b":[]}]],"c":{"d":{}}})");
  std::vector<std::pair<JsonToken, std::uint32_t>> seen;
  for (JsonToken t = reader.next(); t != JsonToken::end_of_input; t = reader.next()) {
    REQUIRE(t != JsonToken::error);
    seen.emplace_back(t, reader.depth());
  }
  using T = JsonToken;
  const std::vector<std::pair<JsonToken, std::uint32_t>> expected = {
      {T::begin_object, 1}, {T::key, 1},         {T::begin_array, 2}, {T::number, 2},     {T::begin_array, 3},
      {T::number, 3},       {T::begin_object, 4}, {T::key, 4},         {T::begin_array, 5}, {T::end_array, 4},
      {T::end_object, 3},   {T::end_array, 2},   {T::end_array, 1},   {T::key, 1},         {T::begin_object, 2},
      {T::key, 2},          {T::begin_object, 3}, {T::end_object, 2},  {T::end_object, 1},  {T::end_object, 0}};
  CHECK(seen == expected);
}

TEST_CASE("json reader: number lexemes are kept exactly", "[json]") {
  for (const std::string_view n : {"0", "-0", "12", "-0.35", "0.5", "1e3", "1E+2", "2.5e-10", "-1.0E0",
                                   "123456789012345678901234567890", "0.000000000000000000001"}) {
    INFO(n);
    JsonReader reader(n);
    REQUIRE(reader.next() == JsonToken::number);
    CHECK(reader.text() == n);
    CHECK(reader.text().data() == n.data());
    CHECK(reader.next() == JsonToken::end_of_input);
  }
  CHECK(tokens_of("[1,-2.5,3e1]") ==
        std::vector<std::string>{"begin_array", "number:1", "number:-2.5", "number:3e1", "end_array", "end_of_input"});
}

TEST_CASE("json reader: escapes are decoded", "[json]") {
  CHECK(single_string(R"("\"\\\/\b\f\n\r\t")") == "\"\\/\b\f\n\r\t");
  CHECK(single_string(R"("\u4e2d")") == "中");
  CHECK(single_string(R"("\u4E2D\u6587")") == "中文");
  CHECK(single_string(R"("\ud83d\ude00")") == "\xF0\x9F\x98\x80");  // U+1F600
  CHECK(single_string(R"("\u0041\u00e9\u07ff\u0800\uffff")") == "A\xC3\xA9\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF");
  CHECK(single_string(R"("\udbff\udfff")") == "\xF4\x8F\xBF\xBF");  // U+10FFFF
  CHECK(single_string(R"("before\nafter")") == "before\nafter");
  CHECK(single_string(R"("中文\t混合")") == "中文\t混合");
  CHECK(single_string(R"("a\u0000b")") == std::string("a\0b", 3));
}

TEST_CASE("json reader: unescaped strings point into the input, escaped ones do not", "[json]") {
  const std::string_view json = R"(["plain 中文","esc\n"])";
  JsonReader reader(json);
  REQUIRE(reader.next() == JsonToken::begin_array);
  REQUIRE(reader.next() == JsonToken::string);
  CHECK(reader.text() == "plain 中文");
  CHECK(points_into(reader.text(), json));
  REQUIRE(reader.next() == JsonToken::string);
  CHECK(reader.text() == "esc\n");
  CHECK_FALSE(points_into(reader.text(), json));
}

TEST_CASE("json reader: Chinese keys and values", "[json]") {
  const std::string_view json = R"({"姓名":"张三","学校":"第一中学","户籍":"本县","分数":"612.5"})";
  CHECK(tokens_of(json) == std::vector<std::string>{"begin_object", "key:姓名", "string:张三", "key:学校",
                                                    "string:第一中学", "key:户籍", "string:本县", "key:分数",
                                                    "string:612.5", "end_object", "end_of_input"});
}

TEST_CASE("json reader: strings of every length around the 8-byte fast path", "[json]") {
  for (std::size_t length = 0; length < 40; ++length) {
    for (std::size_t pos = 0; pos <= length; ++pos) {
      INFO("length " << length << " special at " << pos);
      std::string value(length, 'x');
      // Plain string: a '"' ends it after `pos` characters.
      std::string json = "[\"" + value.substr(0, pos) + "\"]";
      CHECK(tokens_of(json)[1] == "string:" + value.substr(0, pos));
      if (pos < length) {
        // An escape at pos.
        json = "\"" + value.substr(0, pos) + "\\n" + value.substr(pos) + "\"";
        CHECK(single_string(json) == value.substr(0, pos) + "\n" + value.substr(pos));
        // A control character at pos.
        std::string bad = value;
        bad[pos] = '\x1f';
        const ErrorResult e = error_of("\"" + bad + "\"");
        CHECK(e.message == "control character in string must be escaped");
        CHECK(e.offset == pos + 1);
        // A multi-byte character at pos.
        json = "\"" + value.substr(0, pos) + "中" + value.substr(pos) + "\"";
        CHECK(single_string(json) == value.substr(0, pos) + "中" + value.substr(pos));
        // A stray continuation byte at pos.
        bad = value;
        bad[pos] = '\x80';
        const ErrorResult u = error_of("\"" + bad + "\"");
        CHECK(u.message == "invalid utf-8 in string");
        CHECK(u.offset == pos + 1);
      }
    }
  }
}

TEST_CASE("json reader: invalid documents report what and where", "[json]") {
  struct Case {
    std::string_view json;
    std::string_view message;
    std::size_t offset;
  };
  const Case cases[] = {
      {"", "unexpected end of input, expected a value", 0},
      {"  \n ", "unexpected end of input, expected a value", 4},
      {"[1,2,]", "trailing comma in array", 5},
      {R"({"a":1,})", "trailing comma in object", 7},
      {R"({"a":1, })", "trailing comma in object", 8},
      {R"({"a" 1})", "expected ':' after object key", 5},
      {R"({"a")", "unexpected end of input, expected ':'", 4},
      {R"({"a":"x)", "unterminated string", 5},
      {R"(")", "unterminated string", 0},
      {R"("abc\)", "unterminated string", 0},
      {R"("esc\n)", "unterminated string", 0},
      {R"("\x")", "invalid escape sequence in string", 1},
      {R"("ab\')", "invalid escape sequence in string", 3},
      {R"("\u12G4")", "expected 4 hex digits after \\u", 1},
      {R"("\u12")", "expected 4 hex digits after \\u", 1},
      {R"("\ud800")", "unpaired high surrogate in \\u escape", 1},
      {R"("\ud800x")", "unpaired high surrogate in \\u escape", 1},
      {R"("\ud800\u0041")", "unpaired high surrogate in \\u escape", 1},
      {R"("\ud800\ud800")", "unpaired high surrogate in \\u escape", 1},
      {R"("a\udc00")", "unpaired low surrogate in \\u escape", 2},
      {"01", "leading zeros are not allowed in numbers", 0},
      {"[-012]", "leading zeros are not allowed in numbers", 2},
      {"1.", "expected digit after decimal point", 2},
      {"1.e5", "expected digit after decimal point", 2},
      {"-", "expected digit after '-'", 1},
      {"-a", "expected digit after '-'", 1},
      {"1e", "expected digit in exponent", 2},
      {"1e+", "expected digit in exponent", 3},
      {".5", "number must start with '-' or a digit", 0},
      {"+1", "number must start with '-' or a digit", 0},
      {"1.5.3", "invalid character in number", 3},
      {"[12abc]", "invalid character in number", 3},
      {"\"a\x01z\"", "control character in string must be escaped", 2},
      {"\"tab\there\"", "control character in string must be escaped", 4},
      {"\"line\nbreak\"", "control character in string must be escaped", 5},
      {"\"esc\\n\x1f\"", "control character in string must be escaped", 6},
      {"\"\xC3\x28\"", "invalid utf-8 in string", 1},
      {"\"ok\xFF\"", "invalid utf-8 in string", 3},
      {"\"\xC0\xAF\"", "invalid utf-8 in string", 1},           // overlong '/'
      {"\"\xE0\x80\xAF\"", "invalid utf-8 in string", 1},       // overlong
      {"\"\xED\xA0\x80\"", "invalid utf-8 in string", 1},       // encoded surrogate
      {"\"\xF4\x90\x80\x80\"", "invalid utf-8 in string", 1},   // above U+10FFFF
      {"\"\xE4\xB8\"", "invalid utf-8 in string", 1},           // truncated 中
      {"\"\xE4\xB8", "invalid utf-8 in string", 1},             // truncated at end of input
      {"\"\\t\xE4\xB8z\"", "invalid utf-8 in string", 3},       // on the escaped path
      {"\xE4\xB8\xAD", "expected a value", 0},                  // non-ASCII outside strings
      {"1 2", "unexpected data after top-level value", 2},
      {"{}{}", "unexpected data after top-level value", 2},
      {R"({"a":1} x)", "unexpected data after top-level value", 8},
      {"[1 2]", "expected ',' or ']' after array element", 3},
      {"[1,2", "unexpected end of input, expected ',' or ']'", 4},
      {"[", "unexpected end of input, expected a value", 1},
      {"[}", "expected a value", 1},
      {R"({"a":1 "b":2})", "expected ',' or '}' after object member", 7},
      {R"({"a":1])", "expected ',' or '}' after object member", 6},
      {R"({"a":1)", "unexpected end of input, expected ',' or '}'", 6},
      {"{1:2}", "expected string key or '}'", 1},
      {"{", "unexpected end of input, expected a string key", 1},
      {R"({"a":1,2:3})", "expected string key after ','", 7},
      {R"({"a":})", "expected a value", 5},
      {R"({"a":)", "unexpected end of input, expected a value", 5},
      {"[1,,2]", "expected a value", 3},
      {"[,1]", "expected a value", 1},
      {"tru", "invalid literal, expected true, false or null", 0},
      {"nul", "invalid literal, expected true, false or null", 0},
      {"truex", "invalid literal, expected true, false or null", 0},
      {"[True]", "expected a value", 1},
      {"[nan]", "invalid literal, expected true, false or null", 1},
      {"'a'", "expected a value", 0},
      {"\xEF\xBB\xBF{}", "expected a value", 0},  // a byte order mark is not JSON
  };
  for (const Case& c : cases) {
    INFO("input: " << c.json);
    const ErrorResult e = error_of(c.json);
    CHECK(e.message == c.message);
    CHECK(e.offset == c.offset);
  }
}

TEST_CASE("json reader: an error is sticky and token_offset points at it", "[json]") {
  JsonReader reader("[1,]");
  CHECK(reader.next() == JsonToken::begin_array);
  CHECK(reader.next() == JsonToken::number);
  CHECK(reader.next() == JsonToken::error);
  CHECK(reader.error_offset() == 3);
  CHECK(reader.token_offset() == 3);
  CHECK(reader.text().empty());
  CHECK(reader.next() == JsonToken::error);
  CHECK(reader.next() == JsonToken::error);
  CHECK(reader.error_message() == "trailing comma in array");
  CHECK_FALSE(reader.skip_value());
}

TEST_CASE("json reader: depth limit is an error, never a crash", "[json]") {
  const std::string deep(100000, '[');
  const ErrorResult e = error_of(deep);
  CHECK(e.message == "maximum nesting depth exceeded");
  CHECK(e.offset == 64);

  const std::string deep_objects = [] {
    std::string s;
    for (int i = 0; i < 100000; ++i) s += "{\"a\":";
    return s;
  }();
  CHECK(error_of(deep_objects).message == "maximum nesting depth exceeded");

  // Exactly at the limit is fine.
  std::string at_limit = std::string(64, '[') + std::string(64, ']');
  CHECK(is_valid(at_limit));
  CHECK(error_of("[[[]]]", JsonReader::Limits{.max_depth = 2}).offset == 2);
  JsonReader scalar_only("1", JsonReader::Limits{.max_depth = 0});
  CHECK(scalar_only.next() == JsonToken::number);
  CHECK(scalar_only.next() == JsonToken::end_of_input);
  CHECK(error_of("[]", JsonReader::Limits{.max_depth = 0}).message == "maximum nesting depth exceeded");

  // A generous limit reads a deep document iteratively (no recursion) and finds its real end.
  const ErrorResult unclosed = error_of(deep, JsonReader::Limits{.max_depth = 200000});
  CHECK(unclosed.message == "unexpected end of input, expected a value");
  CHECK(unclosed.offset == deep.size());
  const std::string balanced = deep + std::string(100000, ']');
  JsonReader reader(balanced, JsonReader::Limits{.max_depth = 100000});
  REQUIRE(reader.next() == JsonToken::begin_array);
  CHECK(reader.skip_value());
  CHECK(reader.depth() == 0);
  CHECK(reader.next() == JsonToken::end_of_input);
}

TEST_CASE("json reader: string length limit", "[json]") {
  const JsonReader::Limits limits{.max_depth = 64, .max_string_bytes = 4};
  JsonReader ok(R"(["abcd","\u4e2d"])", limits);  // 中 is 3 bytes
  CHECK(ok.next() == JsonToken::begin_array);
  CHECK(ok.next() == JsonToken::string);
  CHECK(ok.next() == JsonToken::string);
  CHECK(error_of(R"(["abcde"])", limits).message == "string exceeds maximum length");
  CHECK(error_of(R"(["abcde"])", limits).offset == 1);
  CHECK(error_of(R"({"ab\ncd":1})", limits).message == "string exceeds maximum length");
  // Escapes shrink on decoding: 6 input bytes, 1 decoded byte.
  JsonReader escaped(R"("\u0041")", limits);
  CHECK(escaped.next() == JsonToken::string);
}

TEST_CASE("json reader: skip_value over nested structures", "[json]") {
  const std::string_view json = R"({"a":{"b":[1,{"c":[]}],"d":"x\n"},"e":2,"f":[[],[{}]],"g":true})";
  JsonReader reader(json);
  REQUIRE(reader.next() == JsonToken::begin_object);
  REQUIRE(reader.next() == JsonToken::key);
  CHECK(reader.text() == "a");
  REQUIRE(reader.next() == JsonToken::begin_object);
  CHECK(reader.skip_value());
  CHECK(reader.depth() == 1);
  CHECK(reader.text() == "}");

  REQUIRE(reader.next() == JsonToken::key);
  CHECK(reader.text() == "e");
  REQUIRE(reader.next() == JsonToken::number);
  CHECK(reader.skip_value());  // scalar: nothing to do
  CHECK(reader.text() == "2");

  REQUIRE(reader.next() == JsonToken::key);
  CHECK(reader.text() == "f");
  CHECK(reader.skip_value());  // after a key: skips the member's value
  CHECK(reader.depth() == 1);

  REQUIRE(reader.next() == JsonToken::key);
  CHECK(reader.text() == "g");
  CHECK(reader.skip_value());
  CHECK(reader.text() == "true");
  CHECK(reader.next() == JsonToken::end_object);
  CHECK(reader.skip_value());  // end token: nothing to do
  CHECK(reader.next() == JsonToken::end_of_input);
}

TEST_CASE("json reader: skip_value reports errors inside the skipped value", "[json]") {
  JsonReader reader(R"({"a":[1,{"b":01}],"c":2})");
  REQUIRE(reader.next() == JsonToken::begin_object);
  REQUIRE(reader.next() == JsonToken::key);
  CHECK_FALSE(reader.skip_value());
  CHECK(reader.error_message() == "leading zeros are not allowed in numbers");
  CHECK(reader.error_offset() == 13);
  CHECK(reader.next() == JsonToken::error);

  JsonReader unclosed("[[1,2],[3");
  REQUIRE(unclosed.next() == JsonToken::begin_array);
  CHECK_FALSE(unclosed.skip_value());
}

TEST_CASE("json reader: reset reuses the reader across lines", "[json]") {
  const std::string lines[] = {
      R"({"name":"a long name with an escape \" to warm the decode buffer up","n":1})",
      R"({"name":"short\t","n":2})",
      R"({"name":)",
      R"({"name":"张三","n":3})",
  };
  JsonReader reader(lines[0]);
  REQUIRE(reader.next() == JsonToken::begin_object);
  REQUIRE(reader.next() == JsonToken::key);
  REQUIRE(reader.next() == JsonToken::string);
  const char* warm_buffer = reader.text().data();
  CHECK_FALSE(points_into(reader.text(), lines[0]));

  reader.reset(lines[1]);
  CHECK(reader.depth() == 0);
  REQUIRE(reader.next() == JsonToken::begin_object);
  REQUIRE(reader.next() == JsonToken::key);
  REQUIRE(reader.next() == JsonToken::string);
  CHECK(reader.text() == "short\t");
  CHECK(reader.text().data() == warm_buffer);  // decoded in place: no reallocation once warm
  CHECK(reader.token_offset() == 8);

  // Reset mid-document, then a failing line, then recovery.
  reader.reset(lines[2]);
  while (reader.next() != JsonToken::error) {
  }
  CHECK(reader.error_message() == "unexpected end of input, expected a value");
  reader.reset(lines[3]);
  CHECK(reader.error_message().empty());
  CHECK(reader.error_offset() == 0);
  CHECK(tokens_of(lines[3]).back() == "end_of_input");
  std::vector<std::string> seen;
  for (JsonToken t = reader.next(); t != JsonToken::end_of_input; t = reader.next()) {
    REQUIRE(t != JsonToken::error);
    if (t == JsonToken::string) seen.emplace_back(reader.text());
  }
  CHECK(seen == std::vector<std::string>{"张三"});
}

TEST_CASE("json reader: token offsets and line/column on multi-line text", "[json]") {
  const std::string_view json = "{\n  \"a\": 1,\n  \"名\": [true, \"x\\n\"]\n}\n";
  JsonReader reader(json);
  struct Seen {
    JsonToken token;
    std::size_t offset;
    std::uint32_t line;
    std::uint32_t column;
  };
  std::vector<Seen> seen;
  for (JsonToken t = reader.next(); t != JsonToken::end_of_input; t = reader.next()) {
    REQUIRE(t != JsonToken::error);
    const auto lc = line_column_of(json, reader.token_offset());
    seen.push_back({t, reader.token_offset(), lc.line, lc.column});
  }
  REQUIRE(seen.size() == 9);
  using T = JsonToken;
  const Seen expected[] = {{T::begin_object, 0, 1, 1}, {T::key, 4, 2, 3},        {T::number, 9, 2, 8},
                           {T::key, 14, 3, 3},         {T::begin_array, 21, 3, 10}, {T::true_value, 22, 3, 11},
                           {T::string, 28, 3, 17},     {T::end_array, 33, 3, 22},   {T::end_object, 35, 4, 1}};
  for (std::size_t i = 0; i < seen.size(); ++i) {
    INFO("token " << i);
    CHECK(seen[i].token == expected[i].token);
    CHECK(seen[i].offset == expected[i].offset);
    CHECK(seen[i].line == expected[i].line);
    CHECK(seen[i].column == expected[i].column);
  }
  CHECK(reader.token_offset() == json.size());  // end_of_input sits at the end

  const std::string_view bad = "{\n  \"a\": 1,\n  \"b\": [true,]\n}";
  const ErrorResult e = error_of(bad);
  CHECK(e.message == "trailing comma in array");
  const auto lc = line_column_of(bad, e.offset);
  CHECK(lc.line == 3);
  CHECK(lc.column == 14);
}

TEST_CASE("json reader: line_column_of edge cases", "[json]") {
  CHECK(line_column_of("", 0).line == 1);
  CHECK(line_column_of("", 0).column == 1);
  CHECK(line_column_of("", 5).column == 1);
  CHECK(line_column_of("ab\ncd", 2).line == 1);
  CHECK(line_column_of("ab\ncd", 2).column == 3);  // the '\n' itself ends line 1
  CHECK(line_column_of("ab\ncd", 3).line == 2);
  CHECK(line_column_of("ab\ncd", 3).column == 1);
  CHECK(line_column_of("ab\ncd", 99).line == 2);
  CHECK(line_column_of("ab\ncd", 99).column == 3);  // clamped to the end
  CHECK(line_column_of("\n\n\n", 3).line == 4);
  CHECK(line_column_of("a\r\nb", 3).line == 2);
}

TEST_CASE("json reader: JSONL records read one line at a time", "[json]") {
  const std::string_view file =
      "{\"id\":\"A1\",\"score\":612.5,\"tags\":[\"本县\",\"户籍\"]}\n"
      "{\"id\":\"A2\",\"score\":-0.35,\"tags\":[]}\r\n"
      "{\"id\":\"A3\",\"score\":1e3,\"tags\":null}\n";
  JsonReader reader("");
  std::vector<std::string> scores;
  std::size_t start = 0;
  while (start < file.size()) {
    const std::size_t nl = file.find('\n', start);
    reader.reset(file.substr(start, nl - start));
    for (JsonToken t = reader.next(); t != JsonToken::end_of_input; t = reader.next()) {
      REQUIRE(t != JsonToken::error);
      if (t == JsonToken::key && reader.text() == "score") {
        REQUIRE(reader.next() == JsonToken::number);
        scores.emplace_back(reader.text());
      } else if (t == JsonToken::key) {
        REQUIRE(reader.skip_value());
      }
    }
    start = nl + 1;
  }
  CHECK(scores == std::vector<std::string>{"612.5", "-0.35", "1e3"});
}

TEST_CASE("json reader: mutated documents never crash or hang", "[json]") {
  const std::string base =
      R"({"id":"A\u4e2d1","score":612.5,"x":[true,false,null,{"k":"v\ud83d\ude00"}],"名":"张三","n":-0.5e+3})";
  REQUIRE(is_valid(base));
  const char alphabet[] = "{}[]:,\"\\u0123456789.eE+-tfnrl \n\x01\x80\xE4\xB8\xAD\xED\xF4";
  std::mt19937 rng(12345);
  for (int round = 0; round < 3000; ++round) {
    std::string doc = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < edits; ++i) {
      const std::size_t pos = rng() % (doc.size() + 1);
      const char c = alphabet[rng() % (sizeof alphabet - 1)];
      switch (rng() % 3) {
        case 0: if (pos < doc.size()) doc[pos] = c; break;
        case 1: doc.insert(pos, 1, c); break;
        default: if (pos < doc.size()) doc.erase(pos, 1); break;
      }
    }
    // Read through a copy sized exactly, so ASan catches any read past the end.
    const std::unique_ptr<char[]> exact(new char[doc.size()]);
    std::copy(doc.begin(), doc.end(), exact.get());
    JsonReader reader(std::string_view(exact.get(), doc.size()));
    JsonToken t = JsonToken::begin_object;
    std::size_t steps = 0;
    while (t != JsonToken::end_of_input && t != JsonToken::error) {
      t = reader.next();
      REQUIRE(++steps <= doc.size() + 1);
      if (t == JsonToken::key || t == JsonToken::string) {
        CHECK(reader.text().size() <= doc.size());
      }
    }
    if (t == JsonToken::error) {
      CHECK(reader.error_offset() <= doc.size());
      CHECK_FALSE(reader.error_message().empty());
    }
  }
}
