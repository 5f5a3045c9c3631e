// The public Policy: an immutable wrapper around the compiled tables and program.

#include "admit/policy.hpp"

#include <atomic>

#include "policy/compiled_policy.hpp"

namespace admit {

Policy::Policy(std::unique_ptr<internal::CompiledPolicy> impl) : impl_(std::move(impl)) {}
Policy::~Policy() = default;

const PolicyMetadata& Policy::metadata() const noexcept { return impl_->metadata; }
const std::vector<FactInfo>& Policy::facts() const noexcept { return impl_->fact_infos; }
const std::vector<ParamInfo>& Policy::params() const noexcept { return impl_->param_infos; }
const std::vector<std::pair<std::string, std::string>>& Policy::overrides() const noexcept { return impl_->overrides; }
const std::vector<CheckInfo>& Policy::eligibility_checks() const noexcept { return impl_->check_infos; }
const std::vector<GroupInfo>& Policy::groups() const noexcept { return impl_->group_infos; }
const std::vector<PointsItemInfo>& Policy::points_items() const noexcept { return impl_->points_infos; }
std::optional<Decimal> Policy::points_cap() const noexcept { return impl_->points_cap; }
const std::vector<CertificateInfo>& Policy::certificates() const noexcept { return impl_->certificate_infos; }
const std::vector<PolicyTest>& Policy::tests() const noexcept { return impl_->tests; }
const std::vector<TieBreakInfo>& Policy::tie_break(std::uint32_t group) const noexcept {
  static const std::vector<TieBreakInfo> none;
  if (impl_->tie_break_infos.empty()) return none;
  const std::size_t at = group < impl_->groups.size() ? group : impl_->groups.size();
  return impl_->tie_break_infos[at];
}
const std::vector<std::string>& Policy::lints() const noexcept { return impl_->lints; }
const std::string& Policy::file() const noexcept { return impl_->file; }
const std::string& Policy::source_text() const noexcept { return impl_->sources.front().second; }
const std::vector<std::pair<std::string, std::string>>& Policy::sources() const noexcept { return impl_->sources; }

bool Policy::uses_native_code() const noexcept { return impl_->native != nullptr; }

std::string_view to_string(FactType type) noexcept {
  switch (type) {
    case FactType::boolean: return "bool";
    case FactType::integer: return "int";
    case FactType::decimal: return "decimal";
    case FactType::date: return "date";
    case FactType::string: return "string";
    case FactType::enumeration: return "enum";
    case FactType::resident_id: return "resident_id";
    case FactType::list: return "list";
  }
  return "?";
}

namespace internal {

struct PolicyFactory {
  static std::shared_ptr<const Policy> make(std::unique_ptr<CompiledPolicy> compiled) {
    return std::shared_ptr<const Policy>(new Policy(std::move(compiled)));
  }
};

std::shared_ptr<const Policy> make_policy(std::unique_ptr<CompiledPolicy> compiled) {
  static std::atomic<std::uint64_t> next_serial{1};
  compiled->program.serial = next_serial.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < compiled->group_infos.size(); ++i)
    compiled->group_infos[i].rank = static_cast<std::uint32_t>(i + 1);
  return PolicyFactory::make(std::move(compiled));
}

}  // namespace internal
namespace internal {

std::vector<vm::Segment*> all_segments(CompiledPolicy& policy) {
  std::vector<vm::Segment*> segments;
  for (auto& c : policy.checks) segments.push_back(&c.condition);
  for (auto& g : policy.groups) {
    segments.push_back(&g.condition);
    for (auto& r : g.requirements)
      if (r.condition) segments.push_back(&*r.condition);
  }
  for (auto& item : policy.points_items) {
    segments.push_back(&item.value);
    if (item.condition) segments.push_back(&*item.condition);
  }
  for (auto& cert : policy.certificates)
    for (auto& s : cert.substitutes)
      if (s.condition) segments.push_back(&*s.condition);
  for (auto& key : policy.tie_break_keys)
    if (key.key) segments.push_back(&*key.key);
  return segments;
}

}  // namespace internal
}  // namespace admit
