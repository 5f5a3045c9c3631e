#include "cli/test_coverage.hpp"

#include <fmt/format.h>

#include "policy/compiled_policy.hpp"

namespace admit::internal::cli {

namespace {

std::string named(const std::string& id, const std::string& label) {
  return label.empty() ? fmt::format("`{}`", id) : fmt::format("`{}` ({})", id, label);
}

std::size_t count(const std::vector<bool>& v) {
  std::size_t n = 0;
  for (bool b : v) n += b;
  return n;
}

}  // namespace

TestCoverage::TestCoverage(const Policy& policy) : policy_(policy) {
  const CompiledPolicy& p = policy.compiled();
  checks_.assign(p.checks.size(), false);
  groups_.assign(p.groups.size(), false);
  items_.assign(p.points_items.size(), false);
  caps_.assign(p.points_items.size(), false);
  for (std::uint32_t g = 0; g < p.groups.size(); ++g)
    for (const auto& r : p.groups[g].requirements)
      if (r.condition) conditional_.emplace_back(g, r.certificate);
  requirements_.assign(conditional_.size(), false);
  // Only substitutes of certificates some group requires can be used (a catalogue lists more).
  substitutes_.resize(p.certificates.size());
  for (const auto& group : p.groups)
    for (const auto& r : group.requirements)
      substitutes_[r.certificate].assign(p.certificates[r.certificate].substitutes.size(), false);
}

void TestCoverage::record(const Decision& decision) {
  if (!decision.ok()) return;
  if (!decision.eligible()) {
    if (decision.failed_check() < checks_.size()) checks_[decision.failed_check()] = true;
    return;
  }
  const auto& items = policy_.points_items();
  for (const PointsLine& line : decision.breakdown()) {
    if (line.item >= items.size()) continue;
    if (line.applied && line.value != Decimal{}) items_[line.item] = true;
    // A cap is exercised when a test reaches it (at or above): the boundary is what a test shows.
    if (items[line.item].cap && line.raw >= *items[line.item].cap) caps_[line.item] = true;
  }
  if (policy_.points_cap() && decision.points_uncapped() >= *policy_.points_cap()) total_cap_ = true;
  if (decision.group() >= groups_.size()) return;
  groups_[decision.group()] = true;
  for (const RequiredCertificate& rc : decision.certificates()) {
    for (std::size_t i = 0; i < conditional_.size(); ++i)
      if (conditional_[i] == std::pair{decision.group(), rc.certificate}) requirements_[i] = true;
    if (rc.status == CertificateStatus::substituted && rc.certificate < substitutes_.size() &&
        rc.substitute < substitutes_[rc.certificate].size())
      substitutes_[rc.certificate][rc.substitute] = true;
  }
}

std::string TestCoverage::summary() const {
  std::size_t substitutes = 0, substitutes_used = 0;
  for (const auto& s : substitutes_) {
    substitutes += s.size();
    substitutes_used += count(s);
  }
  std::size_t caps = 0, caps_bound = 0;
  for (std::size_t i = 0; i < caps_.size(); ++i) {
    if (!policy_.points_items()[i].cap) continue;
    ++caps;
    caps_bound += caps_[i];
  }
  if (policy_.points_cap()) {
    ++caps;
    caps_bound += total_cap_;
  }
  return fmt::format("checks {}/{}, groups {}/{}, points items {}/{}, caps {}/{}, conditional requirements {}/{}, "
                     "substitutes {}/{}",
                     count(checks_), checks_.size(), count(groups_), groups_.size(), count(items_), items_.size(),
                     caps_bound, caps, count(requirements_), requirements_.size(), substitutes_used, substitutes);
}

std::vector<std::string> TestCoverage::gaps() const {
  const CompiledPolicy& p = policy_.compiled();
  std::vector<std::string> out;
  for (std::size_t i = 0; i < checks_.size(); ++i)
    if (!checks_[i])
      out.push_back(fmt::format("eligibility check {} never fails", named(p.check_infos[i].id, p.check_infos[i].label)));
  for (std::size_t i = 0; i < groups_.size(); ++i)
    if (!groups_[i]) out.push_back(fmt::format("group {} is never matched", named(p.group_infos[i].id, p.group_infos[i].label)));
  for (std::size_t i = 0; i < items_.size(); ++i) {
    const PointsItemInfo& item = p.points_infos[i];
    if (!items_[i]) out.push_back(fmt::format("points item {} never scores", named(item.id, item.label)));
    if (item.cap && !caps_[i])
      out.push_back(fmt::format("the cap {} of points item `{}` is never reached", item.cap->to_string(), item.id));
  }
  if (p.points_cap && !total_cap_)
    out.push_back(fmt::format("the points cap {} is never reached", p.points_cap->to_string()));
  for (std::size_t i = 0; i < conditional_.size(); ++i)
    if (!requirements_[i])
      out.push_back(fmt::format("the requirement of `{}` in group `{}` never applies",
                                p.certificate_infos[conditional_[i].second].id, p.group_infos[conditional_[i].first].id));
  for (std::size_t c = 0; c < substitutes_.size(); ++c)
    for (std::size_t s = 0; s < substitutes_[c].size(); ++s)
      if (!substitutes_[c][s])
        out.push_back(fmt::format("substitute `{}` for `{}` is never used", p.certificates[c].substitutes[s].id,
                                  p.certificate_infos[c].id));
  return out;
}

}  // namespace admit::internal::cli
