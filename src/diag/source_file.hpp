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

/// Offsets are bytes into text(). A policy that extends other files keeps them all in one
/// SourceFile: append() adds a file after the others, so one offset names a file and a place in it
/// (the scheme of Clang's SourceManager), and every span, trace location and diagnostic of the
/// compiled policy stays one integer. Positions and diagnostics are relative to the file holding the
/// offset. Lines end at "\n" (a preceding "\r" belongs to the line
/// terminator, so CRLF files work); a text ending in "\n" has a last, empty line after it.
/// A UTF-8 byte order mark is part of the text (offsets count it) but not of line 1: column 1 is
/// the first byte after it, as editors and yaml-cpp's Mark columns see it.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  /// The first file's name; text() is every file, concatenated.
  const std::string& name() const noexcept { return files_.front().name; }
  const std::string& text() const noexcept { return text_; }

  /// Appends a file (its text without a byte order mark) and returns the offset it starts at.
  std::size_t append(std::string name, std::string_view text);

  struct File {
    std::string name;
    std::size_t begin = 0, end = 0;  // [begin, end) in text()
    std::uint32_t first_line = 0;    // index of its first line in the line table
  };
  const std::vector<File>& files() const noexcept { return files_; }
  /// The file holding an offset (offsets past the end belong to the last file).
  const File& file_at(std::size_t offset) const noexcept;
  /// One file's text.
  std::string_view file_text(const File& file) const noexcept {
    return std::string_view(text_).substr(file.begin, file.end - file.begin);
  }

  struct Position {
    std::uint32_t line;    // 1-based
    std::uint32_t column;  // 1-based, in bytes
  };

  /// The position inside the file holding the offset. Offsets past the end give the position of
  /// text().size(); offsets inside a BOM give 1:1.
  Position position_of(std::size_t offset) const noexcept;

  /// The text of a 1-based line of the first file without its terminator; empty for lines that do
  /// not exist.
  std::string_view line_text(std::uint32_t line) const noexcept;

  /// Lines of the first file.
  std::uint32_t line_count() const noexcept;

  /// Byte offset of the first byte of a 1-based line of a file (its end for lines past the end).
  std::size_t line_offset(std::uint32_t line) const noexcept { return line_offset(files_.front(), line); }
  std::size_t line_offset(const File& file, std::uint32_t line) const noexcept;

  /// A Diagnostic for the byte range [begin, end): file, line, column, end_line, end_column
  /// (one past the last byte), source_line, and end_source_line when the range spans lines.
  /// begin and end are clamped to the file holding begin; an empty range marks one byte.
  Diagnostic make_diagnostic(Severity severity, std::string code, std::string message, std::size_t begin,
                             std::size_t end) const;

 private:
  std::uint32_t last_line_of(const File& file) const noexcept;  // index in line_starts_
  std::string_view global_line_text(std::uint32_t index, const File& file) const noexcept;

  std::string text_;
  std::vector<File> files_;               // never empty
  std::vector<std::size_t> line_starts_;  // every file's line starts, in order; never empty
};

}  // namespace admit::internal
