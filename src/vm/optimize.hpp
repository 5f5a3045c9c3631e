#pragma once
#include <cstdint>
#include <vector>

#include "vm/program.hpp"

namespace admit::internal::vm {
/// Peephole pass over the whole program (see optimize.cpp). `is_temp` tells which registers are
/// temporaries (still tagged: relocation comes after).
void optimize(Program& program, std::vector<Segment*>& segments, bool (*is_temp)(std::uint32_t));
}  // namespace admit::internal::vm
