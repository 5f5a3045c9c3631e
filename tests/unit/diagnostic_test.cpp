#include "admit/diagnostic.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "diag/source_file.hpp"

using admit::Diagnostic;
using admit::Severity;
using admit::internal::SourceFile;

namespace {

Diagnostic make(Severity severity, std::string code, std::string message, std::string file, std::uint32_t line,
                std::uint32_t column, std::uint32_t end_column, std::string source_line) {
  Diagnostic d;
  d.severity = severity;
  d.code = std::move(code);
  d.message = std::move(message);
  d.file = std::move(file);
  d.line = line;
  d.column = column;
  d.end_column = end_column;
  d.source_line = std::move(source_line);
  return d;
}

}  // namespace

TEST_CASE("Severity names and counts", "[diagnostic]") {
  CHECK(admit::to_string(Severity::error) == "error");
  CHECK(admit::to_string(Severity::warning) == "warning");
  CHECK(admit::to_string(Severity::note) == "note");
  std::vector<Diagnostic> ds(3);
  ds[0].severity = Severity::warning;
  ds[1].severity = Severity::note;
  ds[2].severity = Severity::warning;
  CHECK_FALSE(admit::has_errors(ds));
  CHECK(admit::count(ds, Severity::warning) == 2);
  ds[1].severity = Severity::error;
  CHECK(admit::has_errors(ds));
  CHECK_FALSE(admit::has_errors({}));
}

TEST_CASE("SourceFile positions and lines", "[diagnostic]") {
  const SourceFile f("p.yaml", "ab\ncd\r\n\nlast");
  CHECK(f.name() == "p.yaml");
  CHECK(f.line_count() == 4);
  CHECK(f.position_of(0).line == 1);
  CHECK(f.position_of(0).column == 1);
  CHECK(f.position_of(2).column == 3);  // the "\n" ends line 1
  CHECK(f.position_of(3).line == 2);
  CHECK(f.position_of(3).column == 1);
  CHECK(f.position_of(5).column == 3);  // the "\r" of CRLF
  CHECK(f.position_of(7).line == 3);
  CHECK(f.position_of(8).line == 4);
  CHECK(f.position_of(12).line == 4);
  CHECK(f.position_of(12).column == 5);
  CHECK(f.position_of(1000).line == 4);  // past the end: the end
  CHECK(f.position_of(1000).column == 5);
  CHECK(f.line_text(1) == "ab");
  CHECK(f.line_text(2) == "cd");
  CHECK(f.line_text(3).empty());
  CHECK(f.line_text(4) == "last");
  CHECK(f.line_text(0).empty());
  CHECK(f.line_text(5).empty());
  CHECK(f.line_offset(2) == 3);

  const SourceFile trailing("t", "a\n");
  CHECK(trailing.line_count() == 2);
  CHECK(trailing.position_of(2).line == 2);
  CHECK(trailing.position_of(2).column == 1);

  const SourceFile empty("e", "");
  CHECK(empty.line_count() == 1);
  CHECK(empty.position_of(0).line == 1);
  CHECK(empty.position_of(0).column == 1);
}

TEST_CASE("SourceFile holding several files: offsets name a file and a place in it", "[diagnostic]") {
  SourceFile f("county.yaml", "a: 1\nb: 2\n");
  const std::size_t base = f.append("base.yaml", "x: 1\ny: oops");  // no final newline
  const std::size_t schema = f.append("schema.yaml", "z: 3\n");
  CHECK(base == 10);
  CHECK(schema == 22);
  REQUIRE(f.files().size() == 3);
  CHECK(f.name() == "county.yaml");
  CHECK(f.file_at(9).name == "county.yaml");
  CHECK(f.file_at(10).name == "base.yaml");
  CHECK(f.file_at(21).name == "base.yaml");
  CHECK(f.file_at(22).name == "schema.yaml");
  CHECK(f.file_text(f.files()[1]) == "x: 1\ny: oops");
  CHECK(f.position_of(base).line == 1);
  CHECK(f.position_of(base).column == 1);
  CHECK(f.position_of(base + 8).line == 2);
  CHECK(f.position_of(base + 8).column == 4);
  CHECK(f.position_of(schema + 3).line == 1);
  CHECK(f.position_of(schema + 3).column == 4);
  CHECK(f.line_count() == 2);  // of the first file; its final "\n" starts the next file
  CHECK(f.line_offset(f.files()[1], 2) == base + 5);

  const Diagnostic d = f.make_diagnostic(Severity::error, "x", "m", base + 8, base + 12);
  CHECK(d.file == "base.yaml");
  CHECK(d.line == 2);
  CHECK(d.column == 4);
  CHECK(d.end_column == 8);
  CHECK(d.source_line == "y: oops");
  // A range is clipped to the file it starts in.
  const Diagnostic across = f.make_diagnostic(Severity::error, "x", "m", base + 8, schema + 2);
  CHECK(across.end_line == 2);
  CHECK(across.end_source_line.empty());
}

TEST_CASE("SourceFile with a byte order mark", "[diagnostic]") {
  const SourceFile f("b", "\xEF\xBB\xBFkey: 1\nx");
  CHECK(f.position_of(0).column == 1);
  CHECK(f.position_of(3).column == 1);  // column 1 is the first byte after the BOM
  CHECK(f.position_of(8).column == 6);
  CHECK(f.line_text(1) == "key: 1");
  CHECK(f.position_of(10).line == 2);
}

TEST_CASE("SourceFile::make_diagnostic", "[diagnostic]") {
  const SourceFile f("rules/county.yaml", "a: 1\r\nwhen: 户籍 == x\r\n  and y\r\n");
  const std::size_t x = f.text().find("x\r");
  Diagnostic d = f.make_diagnostic(Severity::error, "E-unknown-fact", "unknown fact `x`", x, x + 1);
  CHECK(d.file == "rules/county.yaml");
  CHECK(d.line == 2);
  CHECK(d.column == 17);
  CHECK(d.end_line == 2);
  CHECK(d.end_column == 18);
  CHECK(d.source_line == "when: 户籍 == x");
  CHECK(d.end_source_line.empty());

  const std::size_t hj = f.text().find("户籍");
  d = f.make_diagnostic(Severity::warning, "W", "m", hj, f.text().find("y") + 1);
  CHECK(d.severity == Severity::warning);
  CHECK(d.line == 2);
  CHECK(d.column == 7);
  CHECK(d.end_line == 3);
  CHECK(d.end_column == 8);
  CHECK(d.end_source_line == "  and y");

  d = f.make_diagnostic(Severity::error, "E", "empty", x, x);  // an empty range marks one byte
  CHECK(d.end_column == 18);
  d = f.make_diagnostic(Severity::error, "E", "clamped", 5000, 6000);
  CHECK(d.line == 4);
  CHECK(d.column == 1);
}

TEST_CASE("render_text: caret under an ASCII span, with help", "[diagnostic]") {
  Diagnostic d = make(Severity::error, "E-unknown-fact", "unknown fact `hukou.zon`", "policy.yaml", 14, 11, 20,
                      "    when: hukou.zon > 1");
  d.help = "did you mean `hukou.zone`?";
  CHECK(admit::render_text(d) ==
        "policy.yaml:14:11: error: unknown fact `hukou.zon` [E-unknown-fact]\n"
        "   14 |     when: hukou.zon > 1\n"
        "      |           ^~~~~~~~~\n"
        "      = help: did you mean `hukou.zone`?\n");
}

TEST_CASE("render_text: caret after Chinese characters", "[diagnostic]") {
  // "  when: 户籍 == \"城区\" and " is 31 bytes but 27 columns wide.
  const Diagnostic d = make(Severity::error, "E-unknown-fact", "unknown fact `agee`", "p.yaml", 3, 32, 36,
                            "  when: 户籍 == \"城区\" and agee > 6");
  CHECK(admit::render_text(d) ==
        "p.yaml:3:32: error: unknown fact `agee` [E-unknown-fact]\n"
        "    3 |   when: 户籍 == \"城区\" and agee > 6\n"
        "      |                            ^~~~\n");
}

TEST_CASE("render_text: caret under Chinese characters", "[diagnostic]") {
  // "城区，" is 9 bytes (columns 19..27) and 6 columns wide: fullwidth punctuation is wide too.
  const Diagnostic d = make(Severity::warning, "W-unknown-zone", "unknown zone", "p.yaml", 1, 19, 28,
                            "zone: \"户籍\" == 城区，ok");
  CHECK(admit::render_text(d) ==
        "p.yaml:1:19: warning: unknown zone [W-unknown-zone]\n"
        "    1 | zone: \"户籍\" == 城区，ok\n"
        "      |                 ^~~~~~\n");
}

TEST_CASE("render_text: tabs stay tabs in the caret line", "[diagnostic]") {
  const Diagnostic d = make(Severity::error, "E-type", "expected `bool`", "t.yaml", 7, 6, 10, "\tx:\t agee");
  CHECK(admit::render_text(d) ==
        "t.yaml:7:6: error: expected `bool` [E-type]\n"
        "    7 | \tx:\t agee\n"
        "      | \t  \t ^~~~\n");
}

TEST_CASE("render_text: a span over several lines is underlined to the end of its first line", "[diagnostic]") {
  const SourceFile f("m.yaml", "when: a and\n  b\n");
  const Diagnostic d = f.make_diagnostic(Severity::error, "E-type", "mismatched operands", 6, 15);
  CHECK(admit::render_text(d) ==
        "m.yaml:1:7: error: mismatched operands [E-type]\n"
        "    1 | when: a and\n"
        "      |       ^~~~~\n");
}

TEST_CASE("render_text: a position past the end of the line", "[diagnostic]") {
  const Diagnostic d = make(Severity::error, "E-syntax", "expected an operand", "s.yaml", 2, 9, 0, "when: a");
  CHECK(admit::render_text(d) ==
        "s.yaml:2:9: error: expected an operand [E-syntax]\n"
        "    2 | when: a\n"
        "      |         ^\n");
}

TEST_CASE("render_text: wide line numbers widen the gutter", "[diagnostic]") {
  const Diagnostic d = make(Severity::note, "", "defined here", "big.yaml", 123456, 1, 2, "x");
  CHECK(admit::render_text(d) ==
        "big.yaml:123456:1: note: defined here\n"
        "123456 | x\n"
        "       | ^\n");
}

TEST_CASE("render_text: without a file or a position", "[diagnostic]") {
  Diagnostic d;
  d.code = "E-io";
  d.message = "cannot read `policy.yaml`";
  d.help = "check the path";
  d.notes = {"first note", "second note"};
  CHECK(admit::render_text(d) ==
        "error: cannot read `policy.yaml` [E-io]\n"
        "  = help: check the path\n"
        "  = note: first note\n"
        "  = note: second note\n");
  d.file = "policy.yaml";
  d.severity = Severity::warning;
  d.help.clear();
  d.notes.clear();
  CHECK(admit::render_text(d) == "policy.yaml: warning: cannot read `policy.yaml` [E-io]\n");
  d.line = 5;  // a line but no column and no source text
  CHECK(admit::render_text(d) == "policy.yaml:5: warning: cannot read `policy.yaml` [E-io]\n");
}

TEST_CASE("render_text: a line without a column shows the line without a caret", "[diagnostic]") {
  Diagnostic d = make(Severity::warning, "W-style", "long line", "l.yaml", 9, 0, 0, "key: value");
  d.help = "split it";
  CHECK(admit::render_text(d) ==
        "l.yaml:9: warning: long line [W-style]\n"
        "    9 | key: value\n"
        "      = help: split it\n");
}

TEST_CASE("render_text: notes under a snippet", "[diagnostic]") {
  Diagnostic d = make(Severity::error, "E-dup", "duplicate key `age`", "d.yaml", 2, 1, 4, "age: 7");
  d.notes = {"first defined on line 1"};
  CHECK(admit::render_text(d) ==
        "d.yaml:2:1: error: duplicate key `age` [E-dup]\n"
        "    2 | age: 7\n"
        "      | ^~~\n"
        "      = note: first defined on line 1\n");
}

TEST_CASE("render_text: color", "[diagnostic]") {
  Diagnostic d = make(Severity::error, "E-x", "bad", "c.yaml", 1, 1, 2, "x");
  d.help = "fix it";
  CHECK(admit::render_text(d, {.color = true}) ==
        "\x1b[1mc.yaml:1:1:\x1b[0m \x1b[1;31merror:\x1b[0m bad [E-x]\n"
        "\x1b[1;34m    1 |\x1b[0m x\n"
        "\x1b[1;34m      |\x1b[0m \x1b[1;31m^\x1b[0m\n"
        "      \x1b[1m= help:\x1b[0m fix it\n");
  CHECK(admit::render_text(d).find('\x1b') == std::string::npos);
}

TEST_CASE("render_text: a list ends with a summary", "[diagnostic]") {
  std::vector<Diagnostic> ds;
  CHECK(admit::render_text(ds).empty());
  Diagnostic e;
  e.message = "first";
  Diagnostic w;
  w.severity = Severity::warning;
  w.message = "second";
  Diagnostic n;
  n.severity = Severity::note;
  n.message = "third";
  using List = std::vector<Diagnostic>;  // render_text({d}) would pick the single-diagnostic overload
  CHECK(admit::render_text(List{n}) == "note: third\n");
  CHECK(admit::render_text(List{e}) == "error: first\n1 error\n");
  CHECK(admit::render_text(List{w}) == "warning: second\n1 warning\n");
  CHECK(admit::render_text({e, w, n, e}) ==
        "error: first\nwarning: second\nnote: third\nerror: first\n2 errors, 1 warning\n");
  CHECK(admit::render_text({w, w}) == "warning: second\nwarning: second\n2 warnings\n");
}

TEST_CASE("render_json", "[diagnostic]") {
  CHECK(admit::render_json({}) == "{\"version\":1,\"diagnostics\":[]}\n");

  Diagnostic a = make(Severity::error, "E-unknown-fact", "unknown fact `户籍.区`", "rules/县.yaml", 3, 9, 0,
                      "  when: 户籍.区 == 1");
  a.help = "did you mean `户籍.区域`?";
  a.notes = {"say \"hi\"\\", "tab\there\nline\x01"};
  Diagnostic b;
  b.severity = Severity::warning;
  b.code = "W-x";
  b.message = "bad byte \xFF here";
  CHECK(admit::render_json({a, b}) ==
        R"({"version":1,"diagnostics":[)"
        R"({"code":"E-unknown-fact","severity":"error","message":"unknown fact `户籍.区`","file":"rules/县.yaml",)"
        R"("line":3,"column":9,"end_line":3,"end_column":10,"help":"did you mean `户籍.区域`?",)"
        R"("notes":["say \"hi\"\\","tab\there\nline\u0001"]},)"
        R"({"code":"W-x","severity":"warning","message":"bad byte )"
        "\xEF\xBF\xBD"
        R"( here","file":"","line":0,"column":0,"end_line":0,"end_column":0,"help":"","notes":[]}]})"
        "\n");
}

TEST_CASE("render_sarif converts byte columns to code points", "[diagnostic]") {
  const SourceFile f("rules/city.yaml", "when: 户籍 == \"城区\" and agee > 6\nx: 城区 and\n  更多\n");
  const std::string& text = f.text();
  Diagnostic a = f.make_diagnostic(Severity::error, "E-unknown-fact", "unknown fact `agee`", text.find("agee"),
                                   text.find("agee") + 4);
  a.help = "did you mean `age`?";
  const Diagnostic b = f.make_diagnostic(Severity::warning, "W-multi", "spans lines", text.find("城区 and"),
                                         text.find("更多") + 6);
  const Diagnostic c = f.make_diagnostic(Severity::note, "E-unknown-fact", "again", text.find("户籍"),
                                         text.find("户籍") + 3);
  Diagnostic d;
  d.code = "E-io";
  d.message = "no location";
  Diagnostic e;
  e.message = "no code, a file without a line";
  e.file = "目录/a b.yaml";
  CHECK(a.column == 30);  // bytes; 22 in code points
  CHECK(admit::render_sarif({a, b, c, d, e}, "0.1.0", "https://example.org/admit") ==
        R"({"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{)"
        R"("tool":{"driver":{"name":"admit","version":"0.1.0","informationUri":"https://example.org/admit",)"
        R"("rules":[{"id":"E-unknown-fact"},{"id":"W-multi"},{"id":"E-io"}]}},)"
        R"("columnKind":"unicodeCodePoints","results":[)"
        R"({"ruleId":"E-unknown-fact","ruleIndex":0,"level":"error",)"
        R"("message":{"text":"unknown fact `agee`\nhelp: did you mean `age`?"},)"
        R"("locations":[{"physicalLocation":{"artifactLocation":{"uri":"rules/city.yaml"},)"
        R"("region":{"startLine":1,"startColumn":22,"endLine":1,"endColumn":26}}}]},)"
        R"({"ruleId":"W-multi","ruleIndex":1,"level":"warning","message":{"text":"spans lines"},)"
        R"("locations":[{"physicalLocation":{"artifactLocation":{"uri":"rules/city.yaml"},)"
        R"("region":{"startLine":2,"startColumn":4,"endLine":3,"endColumn":5}}}]},)"
        R"({"ruleId":"E-unknown-fact","ruleIndex":0,"level":"note","message":{"text":"again"},)"
        R"("locations":[{"physicalLocation":{"artifactLocation":{"uri":"rules/city.yaml"},)"
        R"("region":{"startLine":1,"startColumn":7,"endLine":1,"endColumn":8}}}]},)"
        R"({"ruleId":"E-io","ruleIndex":2,"level":"error","message":{"text":"no location"}},)"
        R"({"level":"error","message":{"text":"no code, a file without a line"},)"
        R"("locations":[{"physicalLocation":{"artifactLocation":{"uri":"%E7%9B%AE%E5%BD%95/a%20b.yaml"}}}]}]}]})"
        "\n");
  CHECK(admit::render_sarif({}, "1.2.3").find(R"("informationUri":"https://github.com/admit-policy/admit")") !=
        std::string::npos);
}
