#pragma once
// A decision as one comparable line, for tests that check two evaluation paths agree: every field a
// caller can read (group, check, points lines with their caps, certificate statuses, sort key).

#include <string>

#include "admit/decision.hpp"

namespace admit_test {

inline std::string describe(const admit::Decision& d) {
  if (!d.ok()) return "error: " + d.error();
  std::string s = std::string(d.eligible() ? "eligible " : "ineligible ") + std::string(d.group_id()) + " group " +
                  std::to_string(d.group()) + " check " + std::to_string(d.failed_check()) + " rank " +
                  std::to_string(d.rank()) + " points " + d.points().to_string() + " uncapped " +
                  d.points_uncapped().to_string() + " [";
  for (const auto& line : d.breakdown())
    s += std::to_string(line.item) + ":" + line.raw.to_string() + "->" + line.value.to_string() +
         (line.applied ? " " : "(off) ");
  s += "] certificates:";
  for (const auto& c : d.certificates())
    s += " " + std::to_string(c.certificate) + ":" + std::string(admit::to_string(c.status)) +
         (c.substitute == UINT32_MAX ? "" : "/" + std::to_string(c.substitute));
  s += " missing " + std::to_string(d.missing_count()) + ":";
  for (const auto& m : d.missing_ids()) s += " " + m;
  s += " sort key:";
  for (std::int64_t k : d.sort_key()) s += " " + std::to_string(k);
  return s;
}

}  // namespace admit_test
