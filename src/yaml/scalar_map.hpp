// Maps byte offsets inside a decoded YAML scalar back to byte offsets in the file, so errors in an
// embedded expression are reported where the user typed them.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace admit::internal {

/// The file offset of a yaml-cpp Mark().pos: yaml-cpp does not count a leading UTF-8 BOM, the
/// file does. Use it for every Mark (nodes, exceptions) not going through ScalarMap::build. Clamped
/// to raw.size().
std::size_t yaml_mark_to_file_offset(std::string_view raw, std::size_t mark_pos) noexcept;

/// Maps byte offsets in a YAML scalar's decoded value to byte offsets in the file.
///
/// build() rescans the raw text the way yaml-cpp 0.7 scans the scalar (including its quirks:
/// `\N` and `\_` decode to single bytes, quoted scalars clip trailing line breaks, lone "\r" is not
/// a line break) and checks that the rescan reproduces the decoded value byte for byte. A decoded
/// byte that is a copy of a raw byte maps to that byte; a byte produced by an escape maps to the
/// escape's backslash (or the first quote of ''); a space or newline produced by line folding or
/// chomping maps to the line break it came from.
class ScalarMap {
 public:
  /// raw: the whole file text, exactly as given to yaml-cpp (a leading UTF-8 BOM is allowed:
  /// yaml-cpp's Mark positions do not count it, build() adds it back); mark_pos: yaml-cpp
  /// Mark().pos of the scalar node (it may point at an anchor or tag before the scalar);
  /// decoded: node.Scalar().
  /// If the reconstruction does not reproduce `decoded` exactly, every offset maps to the
  /// scalar's start (so errors are still reported at the scalar, never at a wrong place) and
  /// exact() is false.
  static ScalarMap build(std::string_view raw, std::size_t mark_pos, std::string_view decoded);

  /// decoded_offset == decoded.size() (or more) -> one past the raw bytes of the last decoded byte
  /// (after the closing escape sequence, say); for an empty scalar, where its content starts.
  std::size_t to_file_offset(std::size_t decoded_offset) const noexcept;

  bool exact() const noexcept { return exact_; }

  /// The raw offset of the scalar's first character (its opening quote or block indicator; after
  /// any anchor or tag).
  std::size_t scalar_begin() const noexcept { return begin_; }

 private:
  std::vector<std::size_t> offsets_;  // decoded.size() + 1 entries when exact_
  std::size_t begin_ = 0;
  bool exact_ = false;
};

}  // namespace admit::internal
