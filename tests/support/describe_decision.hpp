#pragma once
// A decision as one comparable line, for tests that check two evaluation paths agree.

#include <string>

#include "admit/decision.hpp"

namespace admit_test {

inline std::string describe(const admit::Decision& d) {
  if (!d.ok()) return "error: " + d.error();
  std::string s = std::string(d.eligible() ? "eligible " : "ineligible ") + std::string(d.group_id()) + " " +
                  d.points().to_string() + " [";
  for (const auto& line : d.breakdown()) s += line.raw.to_string() + (line.applied ? " " : "(off) ");
  s += "] missing:";
  for (const auto& m : d.missing_ids()) s += " " + m;
  s += " sort key:";
  for (std::int64_t k : d.sort_key()) s += " " + std::to_string(k);
  return s;
}

}  // namespace admit_test
