#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "vm/program.hpp"

namespace admit::internal::vm {
/// Peephole pass over the program from `first` on (see optimize.cpp). `is_temp` tells which registers
/// are temporaries (still tagged: relocation comes after). Code before `first` is left as it is: it
/// must be self-contained (no jump into the optimized part), as already optimized segments are
/// when the fused decision is appended after them.
void optimize(Program& program, std::vector<Segment*>& segments, const std::function<bool(std::uint32_t)>& is_temp,
              std::size_t first = 0);
}  // namespace admit::internal::vm
