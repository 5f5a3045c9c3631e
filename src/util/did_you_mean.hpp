// "did you mean ...?" suggestions for unknown names (facts, fields, enum members, functions).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace admit::internal {

/// The candidate closest to `word` by Damerau-Levenshtein (optimal string alignment) distance, if
/// close enough: distance <= max(1, length(word) / 3). Lengths and distances count code points, so
/// a mistyped Chinese character is one edit. Ties: the first candidate in order.
/// A candidate that equals the word after replacing '_' with '.' (or vice versa) and/or ignoring
/// ASCII case is preferred over any distance match. A candidate equal to the word is never
/// suggested. Returns empty if none.
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

/// Optimal string alignment distance between two UTF-8 strings, in code points.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace admit::internal
