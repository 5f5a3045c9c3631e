#include "diag/source_file.hpp"

#include <algorithm>
#include <utility>

namespace admit::internal {

namespace {
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
}  // namespace

SourceFile::SourceFile(std::string name, std::string text) : text_(std::move(text)) {
  files_.push_back(File{std::move(name), 0, text_.size(), 0});
  line_starts_.push_back(std::string_view(text_).starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0);
  for (std::size_t i = line_starts_.front(); i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::size_t SourceFile::append(std::string name, std::string_view text) {
  const std::size_t base = text_.size();
  text_.append(text);
  // A file that does not end in "\n" still ends its last line where the next file starts.
  if (line_starts_.back() != base) line_starts_.push_back(base);
  files_.push_back(File{std::move(name), base, text_.size(), static_cast<std::uint32_t>(line_starts_.size() - 1)});
  for (std::size_t i = base; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
  return base;
}

const SourceFile::File& SourceFile::file_at(std::size_t offset) const noexcept {
  // The last file starting at or before offset; an empty file shares its begin with the next one.
  auto it = std::upper_bound(files_.begin(), files_.end(), offset,
                             [](std::size_t o, const File& f) { return o < f.begin; });
  if (it != files_.begin()) --it;
  while (it != files_.begin() && it->begin == it->end && offset >= it->end && std::next(it) != files_.end()) ++it;
  return *it;
}

std::uint32_t SourceFile::last_line_of(const File& file) const noexcept {
  const auto next = std::lower_bound(line_starts_.begin() + file.first_line + 1, line_starts_.end(), file.end,
                                     [](std::size_t start, std::size_t end) { return start < end; });
  // Line starts at file.end belong to the next file, except the empty line after a final "\n" of
  // the last file.
  auto last = static_cast<std::uint32_t>(next - line_starts_.begin()) - 1;
  if (&file == &files_.back() && next != line_starts_.end() && *next == file.end) ++last;
  return last;
}

SourceFile::Position SourceFile::position_of(std::size_t offset) const noexcept {
  offset = std::min(offset, text_.size());
  const File& file = file_at(offset);
  const std::size_t first = line_starts_[file.first_line];
  if (offset < first) return {1, 1};
  auto begin = line_starts_.begin() + file.first_line;
  auto end = line_starts_.begin() + last_line_of(file) + 1;
  const auto it = std::upper_bound(begin, end, offset) - 1;
  return {static_cast<std::uint32_t>(it - begin + 1), static_cast<std::uint32_t>(offset - *it + 1)};
}

std::uint32_t SourceFile::line_count() const noexcept { return last_line_of(files_.front()) + 1; }

std::size_t SourceFile::line_offset(const File& file, std::uint32_t line) const noexcept {
  if (line == 0) return file.begin;
  const std::uint32_t index = file.first_line + line - 1;
  if (index > last_line_of(file)) return file.end;
  return line_starts_[index];
}

std::string_view SourceFile::global_line_text(std::uint32_t index, const File& file) const noexcept {
  const std::size_t begin = line_starts_[index];
  std::size_t end = index + 1 < line_starts_.size() ? std::min(line_starts_[index + 1], file.end) : file.end;
  end = std::max(end, begin);
  // A "\r" belongs to the terminator only before "\n" (CRLF); a lone one is text.
  if (end > begin && text_[end - 1] == '\n') {
    --end;
    if (end > begin && text_[end - 1] == '\r') --end;
  }
  return std::string_view(text_).substr(begin, end - begin);
}

std::string_view SourceFile::line_text(std::uint32_t line) const noexcept {
  const File& file = files_.front();
  if (line == 0 || file.first_line + line - 1 > last_line_of(file)) return {};
  return global_line_text(file.first_line + line - 1, file);
}

Diagnostic SourceFile::make_diagnostic(Severity severity, std::string code, std::string message, std::size_t begin,
                                       std::size_t end) const {
  begin = std::min(begin, text_.size());
  const File& file = file_at(begin);
  end = std::clamp(end, begin, std::max(begin, file.end));

  Diagnostic d;
  d.severity = severity;
  d.code = std::move(code);
  d.message = std::move(message);
  d.file = file.name;
  auto line_of = [&](std::size_t offset) {
    const Position p = position_of(offset);
    return std::pair{p, global_line_text(file.first_line + p.line - 1, file)};
  };
  const auto [start, start_text] = line_of(begin);
  d.line = start.line;
  d.column = start.column;
  d.source_line = std::string(start_text);
  if (end <= begin) {
    d.end_line = start.line;
    d.end_column = start.column + 1;
    return d;
  }
  const auto [last, last_text] = line_of(end - 1);
  d.end_line = last.line;
  d.end_column = last.column + 1;
  if (last.line != start.line) d.end_source_line = std::string(last_text);
  return d;
}

}  // namespace admit::internal
