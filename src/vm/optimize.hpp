#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "vm/program.hpp"

namespace admit::internal::vm {
/// Peephole pass over the whole program (see optimize.cpp). `is_temp` tells which registers are
/// temporaries (still tagged: relocation comes after).
void optimize(Program& program, std::vector<Segment*>& segments, const std::function<bool(std::uint32_t)>& is_temp);
}  // namespace admit::internal::vm
