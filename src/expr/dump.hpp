#pragma once
#include <string>

#include "expr/ast.hpp"

namespace admit::internal::expr {
/// S-expression form, e.g. "(and (== hukou.zone in_zone) (> x 1))"; dates as #2020-08-31.
std::string dump(const Ast& ast);
}  // namespace admit::internal::expr
