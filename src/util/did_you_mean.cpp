#include "util/did_you_mean.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>

namespace admit::internal {

namespace {

// Splits UTF-8 into code points; a byte that does not start a valid sequence stands for itself.
std::u32string code_points(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t size = b0 < 0x80 ? 1 : (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 0;
    char32_t value = size == 1 ? b0 : size == 2 ? (b0 & 0x1F) : size == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    bool ok = size != 0 && i + size <= s.size();
    for (std::size_t k = 1; ok && k < size; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      ok = (b & 0xC0) == 0x80;
      value = (value << 6) | (b & 0x3F);
    }
    if (!ok) {
      // Keep invalid bytes distinct from every valid code point.
      out.push_back(0x110000 + b0);
      ++i;
      continue;
    }
    out.push_back(value);
    i += size;
  }
  return out;
}

std::size_t osa_distance(const std::u32string& a, const std::u32string& b) {
  // Three rolling rows: the transposition step looks two rows back.
  std::vector<std::size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// '_' and '.' are interchangeable separators in users' minds (hukou_zone vs hukou.zone), and
// ASCII case is a common slip.
std::string normalized(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '_') c = '.';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) { return osa_distance(code_points(a), code_points(b)); }

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  if (word.empty()) return {};
  const std::string word_normalized = normalized(word);
  for (const std::string_view candidate : candidates) {
    if (candidate != word && normalized(candidate) == word_normalized) return std::string(candidate);
  }
  const std::u32string w = code_points(word);
  const std::size_t limit = std::max<std::size_t>(1, w.size() / 3);
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  std::string_view best;
  for (const std::string_view candidate : candidates) {
    if (candidate == word || candidate.empty()) continue;
    const std::u32string c = code_points(candidate);
    // The distance is at least the length difference: skip hopeless candidates cheaply.
    const std::size_t length_gap = c.size() > w.size() ? c.size() - w.size() : w.size() - c.size();
    if (length_gap > limit || length_gap >= best_distance) continue;
    const std::size_t distance = osa_distance(w, c);
    if (distance <= limit && distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return std::string(best);
}

}  // namespace admit::internal
