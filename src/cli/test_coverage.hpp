#pragma once
// What a policy's tests exercise (`admit test --coverage`): which eligibility checks fail, groups
// match, points items score, caps are reached, conditional requirements apply and substitutes are used in
// at least one test, and what no test reaches.

#include <cstdint>
#include <string>
#include <vector>

#include "admit/decision.hpp"
#include "admit/policy.hpp"

namespace admit::internal::cli {

class TestCoverage {
 public:
  explicit TestCoverage(const Policy& policy);

  /// Counts what one evaluated test decision exercised.
  void record(const Decision& decision);

  /// One line per kind: "groups 5/6", ...
  std::string summary() const;
  /// What no test exercised, one description each ("group `x` (label) is never matched").
  std::vector<std::string> gaps() const;

 private:
  const Policy& policy_;
  std::vector<bool> checks_, groups_, items_, caps_, requirements_;
  std::vector<std::vector<bool>> substitutes_;  // per certificate, per substitute
  bool total_cap_ = false;
  // Conditional requirements, flattened: (group, certificate) of each.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> conditional_;
};

}  // namespace admit::internal::cli
