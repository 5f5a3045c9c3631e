#include "diag/source_file.hpp"

#include <algorithm>
#include <utility>

namespace admit::internal {

namespace {
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
}  // namespace

SourceFile::SourceFile(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {
  line_starts_.push_back(std::string_view(text_).starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0);
  for (std::size_t i = line_starts_.front(); i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

SourceFile::Position SourceFile::position_of(std::size_t offset) const noexcept {
  offset = std::min(offset, text_.size());
  if (offset < line_starts_.front()) return {1, 1};
  // The last line start <= offset.
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1;
  return {static_cast<std::uint32_t>(it - line_starts_.begin() + 1), static_cast<std::uint32_t>(offset - *it + 1)};
}

std::size_t SourceFile::line_offset(std::uint32_t line) const noexcept {
  if (line == 0) return 0;
  if (line > line_starts_.size()) return text_.size();
  return line_starts_[line - 1];
}

std::string_view SourceFile::line_text(std::uint32_t line) const noexcept {
  if (line == 0 || line > line_starts_.size()) return {};
  const std::size_t begin = line_starts_[line - 1];
  std::size_t end = line < line_starts_.size() ? line_starts_[line] - 1 : text_.size();
  if (end > begin && text_[end - 1] == '\r' && end < text_.size() && text_[end] == '\n') --end;
  return std::string_view(text_).substr(begin, end - begin);
}

Diagnostic SourceFile::make_diagnostic(Severity severity, std::string code, std::string message, std::size_t begin,
                                       std::size_t end) const {
  begin = std::min(begin, text_.size());
  end = std::clamp(end, begin, text_.size());

  Diagnostic d;
  d.severity = severity;
  d.code = std::move(code);
  d.message = std::move(message);
  d.file = name_;
  const Position start = position_of(begin);
  d.line = start.line;
  d.column = start.column;
  d.source_line = std::string(line_text(start.line));
  if (end <= begin) {
    d.end_line = start.line;
    d.end_column = start.column + 1;
    return d;
  }
  const Position last = position_of(end - 1);
  d.end_line = last.line;
  d.end_column = last.column + 1;
  if (last.line != start.line) d.end_source_line = std::string(line_text(last.line));
  return d;
}

}  // namespace admit::internal
