// Renderers for admit::Diagnostic: GCC-style text with a caret snippet, a versioned JSON schema,
// and SARIF 2.1.0 for code scanning. JSON is written by hand: the shapes are small and fixed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "admit/diagnostic.hpp"

namespace admit {

std::string_view to_string(Severity severity) noexcept {
  switch (severity) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "error";
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) noexcept {
  return count(diagnostics, Severity::error) != 0;
}

std::size_t count(const std::vector<Diagnostic>& diagnostics, Severity severity) noexcept {
  return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                                [severity](const Diagnostic& d) { return d.severity == severity; }));
}

namespace {

// ---------------------------------------------------------------------------------------------
// UTF-8

struct CodePoint {
  char32_t value;    // U+FFFD for an invalid sequence
  std::size_t size;  // bytes consumed, >= 1
  bool valid;
};

bool is_continuation(unsigned char c) noexcept { return (c & 0xC0) == 0x80; }

// Decodes the code point starting at s[i]; an invalid or truncated sequence consumes one byte.
CodePoint decode_utf8(std::string_view s, std::size_t i) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {b0, 1, true};
  std::size_t size = 0;
  char32_t value = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    size = 2, value = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    size = 3, value = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    size = 4, value = b0 & 0x07, min = 0x10000;
  } else {
    return {0xFFFD, 1, false};
  }
  if (i + size > s.size()) return {0xFFFD, 1, false};
  for (std::size_t k = 1; k < size; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (!is_continuation(b)) return {0xFFFD, 1, false};
    value = (value << 6) | (b & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return {0xFFFD, 1, false};
  return {value, size, true};
}

// Terminal columns taken by a code point: 2 for East Asian Wide and Fullwidth characters (the ranges
// that matter for Chinese rule files: CJK ideographs and radicals, CJK punctuation, kana, Hangul,
// fullwidth forms, common emoji), 0 for combining marks and zero-width characters, else 1.
int display_width(char32_t c) noexcept {
  struct Range {
    char32_t first, last;
  };
  static constexpr Range kZero[] = {
      {0x0300, 0x036F}, {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064},
      {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
  };
  static constexpr Range kWide[] = {
      {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
      {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},
      {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},
      {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
  };
  if (c < 0x300) return 1;
  for (const Range& r : kZero) {
    if (c >= r.first && c <= r.last) return 0;
  }
  for (const Range& r : kWide) {
    if (c >= r.first && c <= r.last) return 2;
  }
  return 1;
}

// 1-based code point column for a 1-based byte column of `line`. A byte column inside a multi-byte
// character gives that character's column (round_up = false) or the next one (round_up = true, for
// exclusive ends). Bytes past the end of the line count one column each.
std::uint32_t code_point_column(std::string_view line, std::uint32_t byte_column, bool round_up) noexcept {
  if (byte_column == 0) return 0;
  const std::size_t target = byte_column - 1;
  std::uint32_t column = 1;
  std::size_t i = 0;
  while (i < line.size() && i < target) {
    const CodePoint cp = decode_utf8(line, i);
    if (i + cp.size > target && !round_up) break;
    ++column;
    i += cp.size;
  }
  if (i < target) column += static_cast<std::uint32_t>(target - i);
  return column;
}

// ---------------------------------------------------------------------------------------------
// JSON

// A JSON string literal; invalid UTF-8 becomes U+FFFD so the output is always valid JSON.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const CodePoint cp = decode_utf8(s, i);
      if (cp.valid) {
        out.append(s.substr(i, cp.size));
      } else {
        out += "\xEF\xBF\xBD";
      }
      i += cp.size;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void append_key(std::string& out, std::string_view key) {
  append_json_string(out, key);
  out += ':';
}

void append_member(std::string& out, std::string_view key, std::string_view value) {
  append_key(out, key);
  append_json_string(out, value);
}

void append_member(std::string& out, std::string_view key, std::uint64_t value) {
  append_key(out, key);
  out += std::to_string(value);
}

struct ResolvedSpan {
  std::uint32_t line, column, end_line, end_column;
};

// Fills in the defaults of end_line / end_column (0 = same line / one byte).
ResolvedSpan resolve_span(const Diagnostic& d) noexcept {
  if (d.line == 0) return {0, 0, 0, 0};
  const std::uint32_t end_line = d.end_line != 0 ? d.end_line : d.line;
  std::uint32_t end_column = d.end_column;
  if (end_column == 0 && d.column != 0) end_column = d.column + 1;
  return {d.line, d.column, end_line, end_column};
}

// ---------------------------------------------------------------------------------------------
// Text

constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kBoldBlue = "\x1b[1;34m";

std::string_view severity_color(Severity severity) noexcept {
  switch (severity) {
    case Severity::error: return "\x1b[1;31m";
    case Severity::warning: return "\x1b[1;35m";
    case Severity::note: return "\x1b[1;36m";
  }
  return kBold;
}

struct Painter {
  bool enabled;
  void operator()(std::string& out, std::string_view color, std::string_view text) const {
    if (enabled) out += color;
    out += text;
    if (enabled) out += kReset;
  }
};

// The marker under `line` for the byte range [begin, end): the prefix reproduces the line's layout
// (tabs stay tabs, a wide character becomes two spaces) so the marker lines up in any terminal
// that renders the snippet line and the marker line with the same tab stops.
struct CaretLine {
  std::string prefix;
  std::string marker;
};

CaretLine make_caret_line(std::string_view line, std::size_t begin, std::size_t end) {
  CaretLine caret;
  std::size_t i = 0;
  while (i < line.size()) {
    const CodePoint cp = decode_utf8(line, i);
    if (i + cp.size > begin) break;
    if (line[i] == '\t') {
      caret.prefix += '\t';
    } else {
      caret.prefix.append(static_cast<std::size_t>(display_width(cp.value)), ' ');
    }
    i += cp.size;
  }
  if (i < begin) caret.prefix.append(begin - i, ' ');  // the span starts past the end of the line
  std::size_t width = 0;
  while (i < line.size() && i < end) {
    const CodePoint cp = decode_utf8(line, i);
    width += line[i] == '\t' ? 1 : static_cast<std::size_t>(display_width(cp.value));
    i += cp.size;
  }
  width = std::max<std::size_t>(width, 1);
  caret.marker = '^';
  caret.marker.append(width - 1, '~');
  return caret;
}

// "= help: ..." and "= note: ..." lines; under a snippet the '=' lines up with the gutter's '|'.
void render_subs(std::string& out, const Diagnostic& d, const Painter& paint, std::string_view prefix) {
  auto sub = [&](std::string_view label, std::string_view text) {
    out += prefix;
    paint(out, kBold, fmt::format("= {}:", label));
    out += ' ';
    out += text;
    out += '\n';
  };
  if (!d.help.empty()) sub("help", d.help);
  for (const std::string& note : d.notes) sub("note", note);
}

void render_one(std::string& out, const Diagnostic& d, const Painter& paint) {
  std::string location;
  if (!d.file.empty()) {
    location = d.file;
    if (d.line != 0) {
      location += fmt::format(":{}", d.line);
      if (d.column != 0) location += fmt::format(":{}", d.column);
    }
    location += ':';
  }
  if (!location.empty()) {
    paint(out, kBold, location);
    out += ' ';
  }
  paint(out, severity_color(d.severity), fmt::format("{}:", to_string(d.severity)));
  out += ' ';
  out += d.message;
  if (!d.code.empty()) out += fmt::format(" [{}]", d.code);
  out += '\n';

  const bool snippet = d.line != 0 && !d.source_line.empty();
  std::string sub_prefix = "  ";
  if (snippet) {
    const std::string number = std::to_string(d.line);
    const std::size_t gutter = std::max<std::size_t>(5, number.size());
    const std::string blank(gutter, ' ');
    paint(out, kBoldBlue, fmt::format("{:>{}} |", number, gutter));
    out += ' ';
    out += d.source_line;
    out += '\n';
    sub_prefix = blank + ' ';
    if (d.column == 0) {  // a line without a column: no caret
      render_subs(out, d, paint, sub_prefix);
      return;
    }

    const std::size_t begin = d.column - 1;
    std::size_t end = begin + 1;
    if (d.end_line != 0 && d.end_line != d.line) {
      end = std::max(d.source_line.size(), begin + 1);  // multi-line: underline to the end of this line
    } else if (d.end_column != 0) {
      end = std::max<std::size_t>(d.end_column - 1, begin + 1);
    }
    const CaretLine caret = make_caret_line(d.source_line, begin, end);
    paint(out, kBoldBlue, fmt::format("{} |", blank));
    out += ' ';
    out += caret.prefix;
    paint(out, severity_color(d.severity), caret.marker);
    out += '\n';
  }
  render_subs(out, d, paint, sub_prefix);
}

std::string plural(std::size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// ---------------------------------------------------------------------------------------------
// SARIF

// artifactLocation.uri must be a URI reference: forward slashes, everything outside the
// unreserved and path characters percent-encoded (non-ASCII file names included).
std::string to_uri(std::string_view path) {
  static constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/";
  std::string uri;
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '\\') {
      uri += '/';
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               kAllowed.find(ch) != std::string_view::npos) {
      uri += ch;
    } else {
      uri += fmt::format("%{:02X}", c);
    }
  }
  return uri;
}

std::string_view sarif_level(Severity severity) noexcept {
  switch (severity) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "error";
}

}  // namespace

std::string render_text(const Diagnostic& diagnostic, const RenderOptions& options) {
  std::string out;
  render_one(out, diagnostic, Painter{options.color});
  return out;
}

std::string render_text(const std::vector<Diagnostic>& diagnostics, const RenderOptions& options) {
  std::string out;
  const Painter paint{options.color};
  for (const Diagnostic& d : diagnostics) render_one(out, d, paint);
  const std::size_t errors = count(diagnostics, Severity::error);
  const std::size_t warnings = count(diagnostics, Severity::warning);
  std::string summary;
  if (errors != 0) summary = plural(errors, "error");
  if (warnings != 0) summary += (summary.empty() ? "" : ", ") + plural(warnings, "warning");
  if (!summary.empty()) out += summary + '\n';
  return out;
}

std::string render_json(const std::vector<Diagnostic>& diagnostics) {
  std::string out = R"({"version":1,"diagnostics":[)";
  bool first = true;
  for (const Diagnostic& d : diagnostics) {
    if (!first) out += ',';
    first = false;
    const ResolvedSpan span = resolve_span(d);
    out += '{';
    append_member(out, "code", d.code);
    out += ',';
    append_member(out, "severity", to_string(d.severity));
    out += ',';
    append_member(out, "message", d.message);
    out += ',';
    append_member(out, "file", d.file);
    out += ',';
    append_member(out, "line", span.line);
    out += ',';
    append_member(out, "column", span.column);
    out += ',';
    append_member(out, "end_line", span.end_line);
    out += ',';
    append_member(out, "end_column", span.end_column);
    out += ',';
    append_member(out, "help", d.help);
    out += ',';
    append_key(out, "notes");
    out += '[';
    for (std::size_t i = 0; i < d.notes.size(); ++i) {
      if (i != 0) out += ',';
      append_json_string(out, d.notes[i]);
    }
    out += "]}";
  }
  out += "]}\n";
  return out;
}

std::string render_sarif(const std::vector<Diagnostic>& diagnostics, std::string_view tool_version) {
  return render_sarif(diagnostics, tool_version, kDefaultInformationUri);
}

std::string render_sarif(const std::vector<Diagnostic>& diagnostics, std::string_view tool_version,
                         std::string_view information_uri) {
  std::vector<std::string_view> rules;
  for (const Diagnostic& d : diagnostics) {
    if (!d.code.empty() && std::find(rules.begin(), rules.end(), d.code) == rules.end()) rules.push_back(d.code);
  }

  std::string out = "{";
  append_member(out, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  out += ',';
  append_member(out, "version", "2.1.0");
  out += ',';
  append_key(out, "runs");
  out += "[{";
  append_key(out, "tool");
  out += '{';
  append_key(out, "driver");
  out += '{';
  append_member(out, "name", "admit");
  out += ',';
  append_member(out, "version", tool_version);
  out += ',';
  append_member(out, "informationUri", information_uri);
  out += ',';
  append_key(out, "rules");
  out += '[';
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (i != 0) out += ',';
    out += '{';
    append_member(out, "id", rules[i]);
    out += '}';
  }
  out += "]}},";
  append_member(out, "columnKind", "unicodeCodePoints");
  out += ',';
  append_key(out, "results");
  out += '[';
  bool first = true;
  for (const Diagnostic& d : diagnostics) {
    if (!first) out += ',';
    first = false;
    out += '{';
    if (!d.code.empty()) {
      append_member(out, "ruleId", d.code);
      out += ',';
      append_member(out, "ruleIndex",
                    static_cast<std::uint64_t>(std::find(rules.begin(), rules.end(), d.code) - rules.begin()));
      out += ',';
    }
    append_member(out, "level", sarif_level(d.severity));
    out += ',';
    std::string text = d.message;
    if (!d.help.empty()) text += "\nhelp: " + d.help;
    for (const std::string& note : d.notes) text += "\nnote: " + note;
    append_key(out, "message");
    out += '{';
    append_member(out, "text", text);
    out += '}';
    if (!d.file.empty()) {
      out += ',';
      append_key(out, "locations");
      out += "[{";
      append_key(out, "physicalLocation");
      out += '{';
      append_key(out, "artifactLocation");
      out += '{';
      append_member(out, "uri", to_uri(d.file));
      out += '}';
      const ResolvedSpan span = resolve_span(d);
      if (span.line != 0) {
        out += ',';
        append_key(out, "region");
        out += '{';
        append_member(out, "startLine", span.line);
        if (span.column != 0) {
          out += ',';
          append_member(out, "startColumn", code_point_column(d.source_line, span.column, false));
        }
        out += ',';
        append_member(out, "endLine", span.end_line);
        if (span.end_column != 0) {
          const std::string_view end_text = span.end_line == span.line ? std::string_view(d.source_line)
                                                                       : std::string_view(d.end_source_line);
          out += ',';
          append_member(out, "endColumn", code_point_column(end_text, span.end_column, true));
        }
        out += '}';
      }
      out += "}}]";
    }
    out += '}';
  }
  out += "]}]}\n";
  return out;
}

}  // namespace admit
