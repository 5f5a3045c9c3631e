// A loaded text (rule file, test file, applicant file) with a line index, for turning byte offsets
// into line/column positions and diagnostics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "admit/diagnostic.hpp"

namespace admit::internal {

/// Offsets are bytes into text(). Lines end at "\n" (a preceding "\r" belongs to the line
/// terminator, so CRLF files work); a text ending in "\n" has a last, empty line after it.
/// A UTF-8 byte order mark is part of the text (offsets count it) but not of line 1: column 1 is
/// the first byte after it, as editors and yaml-cpp's Mark columns see it.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const noexcept { return name_; }
  const std::string& text() const noexcept { return text_; }

  struct Position {
    std::uint32_t line;    // 1-based
    std::uint32_t column;  // 1-based, in bytes
  };

  /// Offsets past the end give the position of text().size(); offsets inside a BOM give 1:1.
  Position position_of(std::size_t offset) const noexcept;

  /// The text of a 1-based line without its terminator; empty for lines that do not exist.
  std::string_view line_text(std::uint32_t line) const noexcept;

  std::uint32_t line_count() const noexcept { return static_cast<std::uint32_t>(line_starts_.size()); }

  /// Byte offset of the first byte of a 1-based line (text().size() for lines past the end).
  std::size_t line_offset(std::uint32_t line) const noexcept;

  /// A Diagnostic for the byte range [begin, end): file, line, column, end_line, end_column
  /// (one past the last byte), source_line, and end_source_line when the range spans lines.
  /// begin and end are clamped to the text; an empty range marks one byte.
  Diagnostic make_diagnostic(Severity severity, std::string code, std::string message, std::size_t begin,
                             std::size_t end) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<std::size_t> line_starts_;  // line_starts_[i] = offset of line i + 1; never empty
};

}  // namespace admit::internal
