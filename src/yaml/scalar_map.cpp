#include "yaml/scalar_map.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

// The rescans below follow yaml-cpp 0.7's scanner rather than the letter of the YAML spec where
// the two differ: the point is to reproduce node.Scalar() exactly, and anything we fail to
// reproduce falls back to the scalar's start.

namespace admit::internal {

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Where a decoded byte came from: the raw bytes [at, end).
struct Unit {
  std::size_t at;
  std::size_t end;
};

struct Output {
  std::string text;
  std::vector<Unit> units;

  void put(char c, std::size_t at, std::size_t end) {
    text.push_back(c);
    units.push_back({at, end});
  }
  void put(std::string_view bytes, std::size_t at, std::size_t end) {
    for (const char c : bytes) put(c, at, end);
  }
  void truncate(std::size_t size) {
    if (size < text.size()) {
      text.resize(size);
      units.resize(size);
    }
  }
  std::size_t size() const noexcept { return text.size(); }
};

class Scanner {
 public:
  explicit Scanner(std::string_view raw) : raw_(raw) {}

  std::size_t size() const noexcept { return raw_.size(); }
  char at(std::size_t p) const noexcept { return p < raw_.size() ? raw_[p] : '\0'; }

  // yaml-cpp 0.7 breaks lines at "\n" and "\r\n" only.
  bool is_break(std::size_t p) const noexcept {
    return p < raw_.size() && (raw_[p] == '\n' || (raw_[p] == '\r' && p + 1 < raw_.size() && raw_[p + 1] == '\n'));
  }
  std::size_t break_size(std::size_t p) const noexcept { return raw_[p] == '\r' ? 2 : 1; }
  bool is_blank(std::size_t p) const noexcept { return p < raw_.size() && (raw_[p] == ' ' || raw_[p] == '\t'); }

  // Column (0-based, bytes) of p on its line.
  std::size_t column_of(std::size_t p) const noexcept {
    if (p == 0) return 0;
    const std::size_t newline = raw_.rfind('\n', p - 1);
    return newline == std::string_view::npos ? p : p - newline - 1;
  }

  // Skips anchors (&a), tags (!t, !!str, !<verbatim>) and the whitespace, line breaks and comments
  // after them: yaml-cpp's Mark for a node with properties points at the first property.
  std::size_t skip_properties(std::size_t p) const noexcept {
    auto is_flow_indicator = [](char c) { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'; };
    while (p < raw_.size() && (raw_[p] == '&' || raw_[p] == '!')) {
      if (raw_[p] == '!' && at(p + 1) == '<') {
        while (p < raw_.size() && raw_[p] != '>') ++p;
        if (p < raw_.size()) ++p;
      } else {
        ++p;
        while (p < raw_.size() && !is_blank(p) && !is_break(p) && !is_flow_indicator(raw_[p])) ++p;
      }
      for (;;) {
        while (is_blank(p)) ++p;
        if (at(p) == '#') {
          while (p < raw_.size() && !is_break(p)) ++p;
        }
        if (!is_break(p)) break;
        p += break_size(p);
      }
    }
    return p;
  }

  // A double-quoted escape starting at the backslash at p: appends its bytes, returns its raw
  // length, 0 if invalid.
  std::size_t decode_escape(std::size_t p, std::string& bytes) const {
    const char c = at(p + 1);
    if (p + 1 >= raw_.size()) return 0;
    switch (c) {
      case '0': bytes += '\0'; return 2;
      case 'a': bytes += '\a'; return 2;
      case 'b': bytes += '\b'; return 2;
      case 't':
      case '\t': bytes += '\t'; return 2;
      case 'n': bytes += '\n'; return 2;
      case 'v': bytes += '\v'; return 2;
      case 'f': bytes += '\f'; return 2;
      case 'r': bytes += '\r'; return 2;
      case 'e': bytes += '\x1B'; return 2;
      case ' ': bytes += ' '; return 2;
      case '"': bytes += '"'; return 2;
      case '\'': bytes += '\''; return 2;
      case '\\': bytes += '\\'; return 2;
      case '/': bytes += '/'; return 2;
      case 'N': bytes += '\x85'; return 2;  // yaml-cpp 0.7 emits the single byte, not UTF-8
      case '_': bytes += '\xA0'; return 2;  // likewise
      case 'L': bytes += "\xE2\x80\xA8"; return 2;
      case 'P': bytes += "\xE2\x80\xA9"; return 2;
      case 'x': return decode_hex_escape(p, 2, bytes);
      case 'u': return decode_hex_escape(p, 4, bytes);
      case 'U': return decode_hex_escape(p, 8, bytes);
      default: return 0;
    }
  }

 private:
  std::size_t decode_hex_escape(std::size_t p, std::size_t digits, std::string& bytes) const {
    std::uint32_t value = 0;
    for (std::size_t k = 0; k < digits; ++k) {
      const char h = at(p + 2 + k);
      std::uint32_t v = 0;
      if (h >= '0' && h <= '9') {
        v = static_cast<std::uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        v = static_cast<std::uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        v = static_cast<std::uint32_t>(h - 'A' + 10);
      } else {
        return 0;
      }
      value = value * 16 + v;
    }
    if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) return 0;
    if (value < 0x80) {
      bytes += static_cast<char>(value);
    } else if (value < 0x800) {
      bytes += static_cast<char>(0xC0 | (value >> 6));
      bytes += static_cast<char>(0x80 | (value & 0x3F));
    } else if (value < 0x10000) {
      bytes += static_cast<char>(0xE0 | (value >> 12));
      bytes += static_cast<char>(0x80 | ((value >> 6) & 0x3F));
      bytes += static_cast<char>(0x80 | (value & 0x3F));
    } else {
      bytes += static_cast<char>(0xF0 | (value >> 18));
      bytes += static_cast<char>(0x80 | ((value >> 12) & 0x3F));
      bytes += static_cast<char>(0x80 | ((value >> 6) & 0x3F));
      bytes += static_cast<char>(0x80 | (value & 0x3F));
    }
    return 2 + digits;
  }

  std::string_view raw_;
};

// 'single' and "double" quoted scalars: p is at the opening quote. Lines are folded (a single
// break becomes a space, n empty lines n newlines), trailing blanks before a break are dropped and
// leading blanks after it skipped; then trailing newlines are clipped to one, as yaml-cpp does.
bool scan_quoted(const Scanner& in, std::size_t p, Output& out) {
  const bool single = in.at(p) == '\'';
  ++p;
  std::size_t last_escaped = kNone;  // one past the last byte produced by an escape
  bool empty_line = false;
  for (;;) {
    std::size_t last_non_blank = out.size();
    std::size_t content_end = p;  // raw offset after the line's last kept byte
    bool escaped_break = false;
    bool closed = false;
    while (!in.is_break(p)) {
      if (p >= in.size()) return false;  // unterminated
      const char c = in.at(p);
      if (single && c == '\'') {
        if (in.at(p + 1) != '\'') {
          closed = true;
          break;
        }
        out.put('\'', p, p + 2);
        p += 2;
        last_non_blank = last_escaped = out.size();
        content_end = p;
        continue;
      }
      if (!single && c == '"') {
        closed = true;
        break;
      }
      if (!single && c == '\\') {
        if (in.is_break(p + 1)) {
          ++p;  // the break itself is eaten below; blanks before the backslash are kept
          last_non_blank = last_escaped = out.size();
          content_end = p;
          escaped_break = true;
          break;
        }
        std::string bytes;
        const std::size_t length = in.decode_escape(p, bytes);
        if (length == 0) return false;
        out.put(bytes, p, p + length);
        p += length;
        last_non_blank = last_escaped = out.size();
        content_end = p;
        continue;
      }
      out.put(c, p, p + 1);
      ++p;
      if (c != ' ' && c != '\t') {
        last_non_blank = out.size();
        content_end = p;
      }
    }
    if (closed) break;
    out.truncate(last_non_blank);
    const std::size_t break_at = p;
    const std::size_t break_end = p + in.break_size(p);
    p = break_end;
    while (in.is_blank(p)) ++p;
    const bool next_empty = in.is_break(p);
    // A folded break maps to where the line's content ends (before any trailing blanks), so a
    // span ending at the line's last word ends there in the file too.
    const std::size_t fold_at = empty_line || escaped_break ? break_at : content_end;
    if (next_empty) {
      out.put('\n', fold_at, break_end);
    } else if (!empty_line && !escaped_break) {
      out.put(' ', fold_at, break_end);
    }
    empty_line = next_empty;
  }
  // Clip chomping (yaml-cpp applies it to quoted scalars too).
  std::size_t pos = out.text.find_last_not_of('\n');
  if (last_escaped != kNone && (pos == std::string::npos || pos < last_escaped)) pos = last_escaped;
  if (pos == std::string::npos) {
    out.truncate(0);
  } else if (pos + 1 < out.size()) {
    out.truncate(pos + 2);
  }
  return true;
}

// Plain scalars: where one ends depends on context (flow or block, the parent's indentation) that
// we do not have, so the decoded value guides the scan: it ends once the value is reproduced.
bool scan_plain(const Scanner& in, std::size_t p, std::string_view decoded, Output& out) {
  auto matches = [&](char c) { return out.size() < decoded.size() && decoded[out.size()] == c; };
  std::vector<std::size_t> blanks;
  for (;;) {
    blanks.clear();
    while (p < in.size() && !in.is_break(p)) {
      if (out.size() == decoded.size()) return true;
      if (in.is_blank(p)) {
        blanks.push_back(p++);
        continue;
      }
      for (const std::size_t b : blanks) {
        if (!matches(in.at(b))) return false;
        out.put(in.at(b), b, b + 1);
      }
      blanks.clear();
      if (!matches(in.at(p))) return false;
      out.put(in.at(p), p, p + 1);
      ++p;
    }
    if (out.size() == decoded.size()) return true;
    if (p >= in.size()) return false;
    // Fold: skip the break, blank lines and leading blanks. The first break maps to where the
    // line's content ends (trailing blanks are not part of the value).
    const std::size_t content_end = blanks.empty() ? p : blanks.front();
    std::vector<Unit> breaks;
    for (;;) {
      breaks.push_back({p, p + in.break_size(p)});
      p = breaks.back().end;
      while (in.is_blank(p)) ++p;
      if (!in.is_break(p)) break;
    }
    breaks.front().at = content_end;
    if (breaks.size() == 1) {
      if (!matches(' ')) return false;
      out.put(' ', breaks[0].at, breaks[0].end);
    } else {
      for (std::size_t k = 0; k + 1 < breaks.size(); ++k) {
        if (!matches('\n')) return false;
        out.put('\n', breaks[k].at, breaks[k].end);
      }
    }
  }
}

struct BlockHeader {
  bool folded = false;
  enum class Chomp { clip, strip, keep } chomp = Chomp::clip;
  int explicit_indent = 0;  // 0 = auto-detect
  std::size_t content = 0;  // the line break ending the header line (or the end of the text)
};

bool parse_block_header(const Scanner& in, std::size_t p, BlockHeader& header) {
  header.folded = in.at(p) == '>';
  ++p;
  for (int k = 0; k < 2; ++k) {
    const char c = in.at(p);
    if (c == '+' && header.chomp == BlockHeader::Chomp::clip) {
      header.chomp = BlockHeader::Chomp::keep;
    } else if (c == '-' && header.chomp == BlockHeader::Chomp::clip) {
      header.chomp = BlockHeader::Chomp::strip;
    } else if (c >= '1' && c <= '9' && header.explicit_indent == 0) {
      header.explicit_indent = c - '0';
    } else {
      break;
    }
    ++p;
  }
  while (in.is_blank(p)) ++p;
  if (in.at(p) == '#') {
    while (p < in.size() && !in.is_break(p)) ++p;
  }
  if (p < in.size() && !in.is_break(p)) return false;
  header.content = p;
  return true;
}

// Literal | and folded > block scalars. parent_indent is yaml-cpp's indentation of the enclosing
// block collection (-1 at the document level), which sets the content indentation for an explicit
// indentation indicator and the minimum for auto-detection.
void scan_block(const Scanner& in, const BlockHeader& header, int parent_indent, Output& out) {
  std::size_t indent = static_cast<std::size_t>(header.explicit_indent != 0 ? header.explicit_indent : 1);
  if (parent_indent >= 0) indent += static_cast<std::size_t>(parent_indent);
  const bool detect = header.explicit_indent == 0;

  std::size_t p = header.content;
  bool found_content = false;
  bool past_header = false;
  bool empty_line = false;
  bool more_indented = false;
  bool run_started_more_indented = false;
  std::vector<Unit> empty_run;  // breaks of a run of empty lines in a folded scalar

  while (p < in.size()) {
    while (p < in.size() && !in.is_break(p)) {
      found_content = past_header = true;
      out.put(in.at(p), p, p + 1);
      ++p;
    }
    if (p >= in.size()) break;
    const Unit line_break{p, p + in.break_size(p)};
    p = line_break.end;

    std::size_t column = 0;
    while (in.at(p) == ' ' && p < in.size() && (column < indent || (detect && !found_content))) {
      ++p;
      ++column;
    }
    if (detect && !found_content) indent = std::max(indent, column);
    if (in.at(p) == '\t' && p < in.size() && column < indent) return;  // yaml-cpp rejects tab indentation

    const bool next_empty = in.is_break(p);
    const bool next_more_indented = in.is_blank(p);
    if (header.folded && empty_run.empty() && next_empty) run_started_more_indented = more_indented;

    if (past_header) {
      if (!header.folded) {
        out.put('\n', line_break.at, line_break.end);
      } else if (!empty_line && !next_empty && !more_indented && !next_more_indented && column >= indent) {
        out.put(' ', line_break.at, line_break.end);
      } else if (next_empty) {
        empty_run.push_back(line_break);
      } else {
        // This break, plus what a preceding run of empty lines folds into; mapped in file order.
        std::size_t newlines = 1;
        if (!empty_run.empty()) {
          newlines += empty_run.size() - 1;
          if (run_started_more_indented || next_more_indented || !found_content) ++newlines;
        }
        empty_run.push_back(line_break);
        for (std::size_t k = 0; k < newlines; ++k) {
          const Unit& from = empty_run[std::min(k, empty_run.size() - 1)];
          out.put('\n', from.at, from.end);
        }
        empty_run.clear();
      }
    }
    empty_line = next_empty;
    more_indented = next_more_indented;
    past_header = true;
    if (!empty_line && column < indent) break;
  }

  const std::size_t pos = out.text.find_last_not_of('\n');
  switch (header.chomp) {
    case BlockHeader::Chomp::clip:
      if (pos == std::string::npos) {
        out.truncate(0);
      } else if (pos + 1 < out.size()) {
        out.truncate(pos + 2);
      }
      break;
    case BlockHeader::Chomp::strip: out.truncate(pos == std::string::npos ? 0 : pos + 1); break;
    case BlockHeader::Chomp::keep: break;
  }
}

}  // namespace

std::size_t yaml_mark_to_file_offset(std::string_view raw, std::size_t mark_pos) noexcept {
  if (raw.starts_with(kUtf8Bom)) mark_pos += kUtf8Bom.size();
  return std::min(mark_pos, raw.size());
}

ScalarMap ScalarMap::build(std::string_view raw, std::size_t mark_pos, std::string_view decoded) {
  const Scanner in(raw);
  ScalarMap map;
  map.begin_ = std::min(in.skip_properties(yaml_mark_to_file_offset(raw, mark_pos)), raw.size());
  const std::size_t p = map.begin_;

  auto accept = [&](const Output& out, std::size_t empty_at) {
    if (out.text != decoded) return false;
    map.offsets_.reserve(out.size() + 1);
    for (const Unit& u : out.units) map.offsets_.push_back(u.at);
    map.offsets_.push_back(out.units.empty() ? empty_at : out.units.back().end);
    map.exact_ = true;
    return true;
  };

  const char c = in.at(p);
  if (p < raw.size() && (c == '\'' || c == '"')) {
    Output out;
    if (scan_quoted(in, p, out)) accept(out, p + 1);
  } else if (p < raw.size() && (c == '|' || c == '>')) {
    BlockHeader header;
    if (parse_block_header(in, p, header)) {
      // The parent's indentation is not known here: try each one the header's position allows.
      const int max_parent = static_cast<int>(std::min<std::size_t>(in.column_of(p), 256));
      for (int parent = -1; parent <= max_parent && !map.exact_; ++parent) {
        Output out;
        scan_block(in, header, parent, out);
        const std::size_t content = header.content < raw.size() ? header.content + in.break_size(header.content)
                                                                : header.content;
        accept(out, content);
      }
    }
  } else {
    Output out;
    if (scan_plain(in, p, decoded, out)) accept(out, p);
  }
  if (!map.exact_) map.offsets_.clear();
  return map;
}

std::size_t ScalarMap::to_file_offset(std::size_t decoded_offset) const noexcept {
  if (!exact_) return begin_;
  return offsets_[std::min(decoded_offset, offsets_.size() - 1)];
}

}  // namespace admit::internal
