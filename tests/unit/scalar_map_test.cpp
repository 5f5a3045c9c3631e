#include "yaml/scalar_map.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "diag/source_file.hpp"

using admit::internal::ScalarMap;

namespace {

ScalarMap map_of(std::string_view raw, const YAML::Node& node) {
  return ScalarMap::build(raw, static_cast<std::size_t>(node.Mark().pos), node.Scalar());
}

// Every decoded byte maps to the raw byte it copies, or to the line break it was folded from (or
// the trailing blanks before it), or to the escape that produced it; offsets never go backwards; the end offset is past the last byte.
void check_scalar(std::string_view raw, const YAML::Node& node) {
  const std::string decoded = node.Scalar();
  INFO("scalar: [" << decoded << "]");
  const ScalarMap map = map_of(raw, node);
  REQUIRE(map.exact());
  std::size_t previous = 0;
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    const std::size_t offset = map.to_file_offset(i);
    REQUIRE(offset < raw.size());
    const char r = raw[offset];
    const char d = decoded[i];
    INFO("decoded offset " << i << " -> raw offset " << offset);
    const bool folded = (d == ' ' || d == '\n') && (r == '\n' || r == '\r' || r == ' ' || r == '\t');
    const bool escaped = r == '\\' || (r == '\'' && d == '\'');
    CHECK((r == d || folded || escaped));
    CHECK(offset >= previous);
    previous = offset;
  }
  if (!decoded.empty()) {
    CHECK(map.to_file_offset(decoded.size()) > map.to_file_offset(decoded.size() - 1));
    CHECK(map.to_file_offset(decoded.size() + 10) == map.to_file_offset(decoded.size()));
  }
}

void check_all(std::string_view raw, const YAML::Node& node) {
  if (node.IsScalar()) {
    check_scalar(raw, node);
  } else if (node.IsMap()) {
    for (const auto& kv : node) {
      check_all(raw, kv.first);
      check_all(raw, kv.second);
    }
  } else if (node.IsSequence()) {
    for (const auto& element : node) check_all(raw, element);
  }
}

void check_document(const std::string& raw) {
  INFO("document:\n" << raw);
  check_all(raw, YAML::Load(raw));
}

// `needle` occurs literally in both the decoded value and the file: its bytes map to consecutive
// raw bytes that spell it.
void check_literal(std::string_view raw, const YAML::Node& node, std::string_view needle) {
  const std::string decoded = node.Scalar();
  const std::size_t at = decoded.find(needle);
  INFO("needle [" << needle << "] in [" << decoded << "]");
  REQUIRE(at != std::string::npos);
  const ScalarMap map = map_of(raw, node);
  REQUIRE(map.exact());
  const std::size_t offset = map.to_file_offset(at);
  REQUIRE(raw.substr(offset, needle.size()) == needle);
  for (std::size_t k = 0; k < needle.size(); ++k) CHECK(map.to_file_offset(at + k) == offset + k);
  CHECK(map.to_file_offset(at + needle.size()) == offset + needle.size());
}

}  // namespace

TEST_CASE("ScalarMap: plain one-line scalar", "[scalar_map]") {
  const std::string raw = "when: age >= 6 and hukou.zone == 城区   # comment\nnext: 1\n";
  const YAML::Node doc = YAML::Load(raw);
  check_document(raw);
  check_literal(raw, doc["when"], "hukou.zone == 城区");
  const ScalarMap map = map_of(raw, doc["when"]);
  CHECK(map.to_file_offset(0) == 6);
  CHECK(map.scalar_begin() == 6);
  CHECK(map.to_file_offset(doc["when"].Scalar().size()) == raw.find("   #"));
}

TEST_CASE("ScalarMap: plain multi-line scalar with folding", "[scalar_map]") {
  const std::string raw =
      "rule:\n"
      "  when: age >= 6\n"
      "    and hukou.zone == 城区   \n"
      "\n"
      "    or   sibling\n"
      "  then: ok\n";
  const YAML::Node doc = YAML::Load(raw);
  REQUIRE(doc["rule"]["when"].Scalar() == "age >= 6 and hukou.zone == 城区\nor   sibling");
  check_document(raw);
  check_literal(raw, doc["rule"]["when"], "and hukou.zone == 城区");
  check_literal(raw, doc["rule"]["when"], "or   sibling");
  const ScalarMap map = map_of(raw, doc["rule"]["when"]);
  CHECK(map.to_file_offset(8) == raw.find("\n    and"));  // the folded space maps to the line break
}

TEST_CASE("ScalarMap: single-quoted scalar with '' and folding", "[scalar_map]") {
  const std::string raw = "msg: 'it''s a   \n   folded\n\n   line 城区'\n";
  const YAML::Node doc = YAML::Load(raw);
  REQUIRE(doc["msg"].Scalar() == "it's a folded\nline 城区");
  check_document(raw);
  check_literal(raw, doc["msg"], "s a");
  check_literal(raw, doc["msg"], "line 城区");
  const ScalarMap map = map_of(raw, doc["msg"]);
  CHECK(map.to_file_offset(0) == 6);                  // after the opening quote
  CHECK(map.to_file_offset(2) == raw.find("''"));     // the escape
  CHECK(map.to_file_offset(doc["msg"].Scalar().size()) == raw.rfind('\''));
}

TEST_CASE("ScalarMap: double-quoted scalar with escapes and Chinese", "[scalar_map]") {
  const std::string raw =
      "expr: \"户籍 == \\\"城区\\\"\\tand\\x41\\u4e2d\\U0001F600 \\\\ \\/ end  \\\n"
      "      continued   \n"
      "   folded\"\n";
  const YAML::Node doc = YAML::Load(raw);
  REQUIRE(doc["expr"].Scalar() == "户籍 == \"城区\"\tandA中\xF0\x9F\x98\x80 \\ / end  continued folded");
  check_document(raw);
  check_literal(raw, doc["expr"], "户籍 == ");
  check_literal(raw, doc["expr"], "城区");
  check_literal(raw, doc["expr"], "continued");
  check_literal(raw, doc["expr"], "folded");
  const ScalarMap map = map_of(raw, doc["expr"]);
  const std::string decoded = doc["expr"].Scalar();
  // Every byte of an escape's output maps to its backslash.
  const std::size_t zhong = decoded.find("中");
  CHECK(map.to_file_offset(zhong) == raw.find("\\u4e2d"));
  CHECK(map.to_file_offset(zhong + 2) == raw.find("\\u4e2d"));
  // The end is after the closing escape / content, before the closing quote.
  CHECK(map.to_file_offset(decoded.size()) == raw.rfind('"'));
}

TEST_CASE("ScalarMap: yaml-cpp's single-byte \\N and \\_ escapes", "[scalar_map]") {
  const std::string raw = "a: \"x\\Ny\\_z\\L\"\n";
  const YAML::Node doc = YAML::Load(raw);
  check_document(raw);
  check_literal(raw, doc["a"], "y");
}

TEST_CASE("ScalarMap: quoted scalars keep yaml-cpp's clipped trailing breaks", "[scalar_map]") {
  check_document("a: \"x\n\n\n  \"\nb: 'y\n\n'\nc: \"\"\nd: ''\ne: \"  lead and trail  \"\n");
  const std::string raw = "c: \"\"\n";
  const ScalarMap map = map_of(raw, YAML::Load(raw)["c"]);
  CHECK(map.exact());
  CHECK(map.to_file_offset(0) == 4);
}

TEST_CASE("ScalarMap: literal and folded block scalars", "[scalar_map]") {
  const std::string raw =
      "lit: |\n"
      "  age >= 6\n"
      "    and 城区\n"
      "\n"
      "  end\n"
      "\n"
      "strip: |-\n"
      "  a > 1\n"
      "  b\n"
      "\n"
      "\n"
      "keep: |+\n"
      "  kept\n"
      "\n"
      "fold: >\n"
      "  one\n"
      "  two\n"
      "\n"
      "  three\n"
      "    more indented\n"
      "  four\n"
      "\n"
      "\n"
      "  five\n"
      "foldstrip: >- # a comment\n"
      "  x >\n"
      "  1\n"
      "explicit: |2\n"
      "    two extra\n"
      "   one extra\n"
      "  none\n"
      "last: >\n"
      "  no final break";
  const YAML::Node doc = YAML::Load(raw);
  REQUIRE(doc["lit"].Scalar() == "age >= 6\n  and 城区\n\nend\n");
  REQUIRE(doc["strip"].Scalar() == "a > 1\nb");
  REQUIRE(doc["keep"].Scalar() == "kept\n\n");
  REQUIRE(doc["foldstrip"].Scalar() == "x > 1");
  REQUIRE(doc["explicit"].Scalar() == "  two extra\n one extra\nnone\n");
  check_document(raw);
  check_literal(raw, doc["lit"], "  and 城区");
  check_literal(raw, doc["strip"], "a > 1");
  check_literal(raw, doc["fold"], "three");
  check_literal(raw, doc["fold"], "  more indented");
  check_literal(raw, doc["foldstrip"], "x >");
  check_literal(raw, doc["explicit"], "  two extra");
  check_literal(raw, doc["last"], "no final break");
  const ScalarMap map = map_of(raw, doc["lit"]);
  CHECK(map.scalar_begin() == raw.find('|'));
  CHECK(map.to_file_offset(0) == raw.find("age"));
}

TEST_CASE("ScalarMap: block scalars nested in sequences and mappings", "[scalar_map]") {
  const std::string raw =
      "rules:\n"
      "  - name: 城区户籍\n"
      "    when: |\n"
      "      hukou.zone == \"城区\"\n"
      "        and age >= 6\n"
      "    points:\n"
      "      - when: >-\n"
      "          x >\n"
      "          1\n"
      "        add: 5\n"
      "      - |1\n"
      "          deep\n"
      "  - - |2\n"
      "        nested seq\n"
      "  - key: |4-\n"
      "          four\n";
  const YAML::Node doc = YAML::Load(raw);
  REQUIRE(doc["rules"][0]["points"][0]["when"].Scalar() == "x > 1");
  check_document(raw);
  check_literal(raw, doc["rules"][0]["when"], "  and age >= 6");
  check_literal(raw, doc["rules"][0]["points"][0]["when"], "x >");
  check_literal(raw, doc["rules"][0]["points"][1], "deep");
  check_literal(raw, doc["rules"][1][0], "nested seq");
  check_literal(raw, doc["rules"][2]["key"], "four");
}

TEST_CASE("ScalarMap: flow collections", "[scalar_map]") {
  const std::string raw =
      "a: {when: a > 1}\n"
      "b: [x, 'y z', \"w\", {when: b >\n"
      "     2, add: 3}]\n"
      "c: {when: 'q', k: \"城区 == 1\" }\n";
  const YAML::Node doc = YAML::Load(raw);
  REQUIRE(doc["a"]["when"].Scalar() == "a > 1");
  REQUIRE(doc["b"][3]["when"].Scalar() == "b > 2");
  check_document(raw);
  check_literal(raw, doc["a"]["when"], "a > 1");
  check_literal(raw, doc["b"][3]["when"], "b >");
  check_literal(raw, doc["c"]["k"], "城区 == 1");
}

TEST_CASE("ScalarMap: anchors, tags and aliases", "[scalar_map]") {
  const std::string raw =
      "a: &x hello world\n"
      "b: !!str 42 + 1\n"
      "c: !<tag:yaml.org,2002:str> \"q r\"\n"
      "d: &y\n"
      "  |\n"
      "  block\n"
      "e: *x\n";
  const YAML::Node doc = YAML::Load(raw);
  check_document(raw);
  check_literal(raw, doc["a"], "hello world");
  check_literal(raw, doc["b"], "42 + 1");
  check_literal(raw, doc["c"], "q r");
  check_literal(raw, doc["d"], "block");
  check_literal(raw, doc["e"], "hello world");  // the alias's mark is the anchored node's
}

TEST_CASE("ScalarMap: CRLF line endings", "[scalar_map]") {
  const std::string raw =
      "a: b c\r\n"
      "q: \"x\r\n"
      "  y\"\r\n"
      "p: m\r\n"
      "  n\r\n"
      "\r\n"
      "  o\r\n"
      "l: |\r\n"
      "  l1\r\n"
      "  l2\r\n"
      "f: >\r\n"
      "  f1\r\n"
      "  f2\r\n";
  const YAML::Node doc = YAML::Load(raw);
  REQUIRE(doc["q"].Scalar() == "x y");
  REQUIRE(doc["l"].Scalar() == "l1\nl2\n");
  check_document(raw);
  check_literal(raw, doc["p"], "o");
  check_literal(raw, doc["l"], "l2");
  const ScalarMap map = map_of(raw, doc["l"]);
  CHECK(map.to_file_offset(2) == raw.find("\r\n  l2"));  // the newline maps to the CRLF
}

TEST_CASE("ScalarMap: a UTF-8 byte order mark", "[scalar_map]") {
  const std::string raw = "\xEF\xBB\xBFwhen: a > 1\nmsg: \"城区\"\n";
  const YAML::Node doc = YAML::Load(raw);
  check_document(raw);
  check_literal(raw, doc["when"], "a > 1");
  check_literal(raw, doc["msg"], "城区");
  const std::size_t mark = static_cast<std::size_t>(doc["msg"].Mark().pos);
  CHECK(admit::internal::yaml_mark_to_file_offset(raw, mark) == raw.find('"'));
  CHECK(admit::internal::yaml_mark_to_file_offset("a: 1", 3) == 3);
  CHECK(admit::internal::yaml_mark_to_file_offset("a: 1", 30) == 4);
}

TEST_CASE("ScalarMap: falls back to the scalar's start when it cannot reproduce the value", "[scalar_map]") {
  const std::string raw = "a: x\nb: &anchor \"some text\"\n";
  const ScalarMap wrong = ScalarMap::build(raw, 0, "not what is there");
  CHECK_FALSE(wrong.exact());
  CHECK(wrong.to_file_offset(0) == 0);
  CHECK(wrong.to_file_offset(5) == 0);
  CHECK(wrong.to_file_offset(100) == 0);

  const ScalarMap quoted = ScalarMap::build(raw, raw.find('&'), "other text");
  CHECK_FALSE(quoted.exact());
  CHECK(quoted.to_file_offset(3) == raw.find('"'));  // the scalar's start, after the anchor

  const ScalarMap past_end = ScalarMap::build(raw, raw.size() + 5, "x");
  CHECK_FALSE(past_end.exact());
  CHECK(past_end.to_file_offset(0) == raw.size());

  const ScalarMap unterminated = ScalarMap::build("a: \"abc", 3, "abc");
  CHECK_FALSE(unterminated.exact());
  CHECK(unterminated.to_file_offset(1) == 3);
}

TEST_CASE("ScalarMap and SourceFile put an expression error at its file position", "[scalar_map]") {
  const std::string raw =
      "rules:\n"
      "  - when: |\n"
      "      hukou.zone == \"城区\"\n"
      "        and agee >= 6\n";
  const YAML::Node doc = YAML::Load(raw);
  const YAML::Node when = doc["rules"][0]["when"];
  const ScalarMap map = map_of(raw, when);
  REQUIRE(map.exact());
  const std::size_t begin = when.Scalar().find("agee");
  const admit::internal::SourceFile file("policy.yaml", raw);
  const admit::Diagnostic d = file.make_diagnostic(admit::Severity::error, "E-unknown-fact", "unknown fact `agee`",
                                                   map.to_file_offset(begin), map.to_file_offset(begin + 4));
  CHECK(d.line == 4);
  CHECK(d.column == 13);
  CHECK(d.end_line == 4);
  CHECK(d.end_column == 17);
  CHECK(d.source_line == "        and agee >= 6");
}
