// Diagnostics: problems found in rule files, test files and applicant files, and their renderers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace admit {

enum class Severity : std::uint8_t { error, warning, note };

/// "error", "warning" or "note".
std::string_view to_string(Severity) noexcept;

/// One problem in a rule file (or test file, or applicant file), self-contained so it can be rendered anywhere.
struct Diagnostic {
  Severity severity = Severity::error;
  std::string code;              // stable id, e.g. "E-unknown-fact"; SARIF ruleId, key into docs/diagnostics.md
  std::string message;           // lowercase start, no trailing period, code in backticks
  std::string file;              // as given by the caller (repo-relative in CI); may be empty
  std::uint32_t line = 0;        // 1-based; 0 = no position
  std::uint32_t column = 0;      // 1-based, in bytes
  std::uint32_t end_line = 0;    // end of the span (inclusive line), 0 = same as line
  std::uint32_t end_column = 0;  // 1-based byte column one past the span's last byte; 0 = one byte
  std::string source_line;       // the text of `line` (no newline), for the snippet; may be empty
  std::string help;              // e.g. "did you mean `hukou.zone`?"; may be empty
  std::vector<std::string> notes;
  std::string end_source_line;   // the text of `end_line` when the span spans lines (for SARIF column conversion); may be empty
};

struct RenderOptions {
  bool color = false;  // ANSI escape sequences; the caller decides (TTY, --color, NO_COLOR)
};

/// GCC-style text:
///   policy.yaml:14:12: error: unknown fact `hukou.zon` [E-unknown-fact]
///      14 |     when: hukou.zon == "城区"
///         |           ^~~~~~~~~
///     = help: did you mean `hukou.zone`?
///     = note: ...
/// The caret line follows display widths (East Asian wide characters count 2 columns, tabs are copied
/// as tabs). A span running past the end of `line` is underlined to the end of the source line.
/// The snippet needs line != 0 and a non-empty source_line; column 0 shows the line without a caret.
/// "= help:"/"= note:" lines line up with the gutter under a snippet and are indented by two
/// spaces otherwise. No code -> no " [code]". No position -> "file: error: message [code]".
/// No file -> "error: message [code]". The result ends with a newline.
std::string render_text(const Diagnostic&, const RenderOptions& = {});

/// Each diagnostic, then a summary line such as "2 errors, 1 warning" (zero counts are left out;
/// the line is omitted when there are neither errors nor warnings). Beware: render_text({d}) with
/// a single element calls the overload above; spell the vector type.
std::string render_text(const std::vector<Diagnostic>&, const RenderOptions& = {});

/// {"version":1,"diagnostics":[{"code","severity","message","file","line","column","end_line",
/// "end_column","help","notes":[]}]} on one line, followed by a newline. end_line/end_column are
/// written resolved (never 0 when line is not 0): end_line defaults to line, end_column to column + 1.
std::string render_json(const std::vector<Diagnostic>&);

/// The SARIF `tool.driver.informationUri` used when none is given.
inline constexpr std::string_view kDefaultInformationUri = "https://github.com/admit-policy/admit";

/// SARIF 2.1.0 (one run, tool "admit", rules = the distinct codes in order of first appearance),
/// columnKind "unicodeCodePoints": byte columns are converted using source_line (and
/// end_source_line for a span ending on another line; without it the byte column is used).
/// message.text is the message, followed by "\nhelp: ..." and "\nnote: ..." lines when present.
/// A diagnostic without a file gets no location; one without a line gets no region.
std::string render_sarif(const std::vector<Diagnostic>&, std::string_view tool_version);
std::string render_sarif(const std::vector<Diagnostic>&, std::string_view tool_version,
                         std::string_view information_uri);

bool has_errors(const std::vector<Diagnostic>&) noexcept;

/// Number of diagnostics of the given severity.
std::size_t count(const std::vector<Diagnostic>&, Severity) noexcept;

}  // namespace admit
