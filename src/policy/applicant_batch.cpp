// ApplicantBatch: applicants copied out of a scratch Applicant into one contiguous array. Strings
// and list records move to batch-owned storage with stable addresses, and the slots are re-pointed.

#include "admit/applicant_batch.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "admit/policy.hpp"
#include "policy/applicant_storage.hpp"
#include "policy/compiled_policy.hpp"
#include "vm/ops.hpp"

namespace admit {

using internal::TypeKind;
namespace vm = internal::vm;

ApplicantBatch::Impl::Impl(const Policy& p) : policy(&p), scratch(p) {
  const auto& c = p.compiled();
  slot_count = c.slot_count;
  words = scratch.storage().certificate_words;
  stride = slot_count + 2 * words;
}

std::string_view ApplicantBatch::Impl::keep_text(std::string_view s) {
  static constexpr char kEmpty[] = "";
  if (s.empty()) return {kEmpty, 0};  // never a null pointer: callers may pass it to memcpy
  if (text_capacity - text_used < s.size()) {
    constexpr std::size_t kChunk = 64 * 1024;
    text_capacity = std::max(kChunk, s.size());
    text_chunks.push_back(std::make_unique_for_overwrite<char[]>(text_capacity));
    text_used = 0;
  }
  char* at = text_chunks.back().get() + text_used;
  std::memcpy(at, s.data(), s.size());
  text_used += s.size();
  return {at, s.size()};
}

std::int64_t ApplicantBatch::Impl::keep_string(std::string_view s) {
  views.push_back(keep_text(s));
  return vm::slot_of(&views.back());
}

void ApplicantBatch::Impl::append(const Applicant& a) {
  const auto& c = policy->compiled();
  const Applicant::Storage& s = a.storage();
  const std::size_t base = hot.size();
  hot.insert(hot.end(), s.hot.begin(), s.hot.begin() + static_cast<std::ptrdiff_t>(stride));
  std::int64_t* row = hot.data() + base;
  for (const auto& f : c.facts)
    if (f.type.kind == TypeKind::string) row[f.slot] = keep_string(vm::as_string(row[f.slot]));
  for (const auto& l : c.lists) {
    const vm::ListView& source = vm::as_list(row[l.slot]);
    records.emplace_back(source.records, source.records + static_cast<std::size_t>(source.count) * source.stride);
    auto& copy = records.back();
    for (const auto& field : l.fields)
      if (field.type.kind == TypeKind::string)
        for (std::uint32_t r = 0; r < source.count; ++r) {
          std::int64_t& slot = copy[static_cast<std::size_t>(r) * source.stride + field.slot];
          slot = keep_string(vm::as_string(slot));
        }
    lists.push_back(vm::ListView{copy.data(), source.count, source.stride});
    row[l.slot] = vm::slot_of(&lists.back());
  }
  ids.push_back(keep_text(a.id()));
}

ApplicantBatch::ApplicantBatch(const Policy& policy) : impl_(std::make_unique<Impl>(policy)) {}
ApplicantBatch::~ApplicantBatch() = default;
ApplicantBatch::ApplicantBatch(ApplicantBatch&&) noexcept = default;
ApplicantBatch& ApplicantBatch::operator=(ApplicantBatch&&) noexcept = default;

const Policy& ApplicantBatch::policy() const noexcept { return *impl_->policy; }

bool ApplicantBatch::append_json(std::string_view json, BindError* error, const BindOptions& options) {
  if (!impl_->scratch.bind_json(json, error, options)) return false;
  impl_->append(impl_->scratch);
  return true;
}

void ApplicantBatch::append(const Applicant& applicant) { impl_->append(applicant); }
std::size_t ApplicantBatch::size() const noexcept { return impl_->ids.size(); }
void ApplicantBatch::reserve(std::size_t applicants) {
  impl_->hot.reserve(applicants * impl_->stride);
  impl_->ids.reserve(applicants);
}
void ApplicantBatch::clear() noexcept {
  impl_->hot.clear();
  impl_->text_chunks.clear();
  impl_->text_used = impl_->text_capacity = 0;
  impl_->views.clear();
  impl_->records.clear();
  impl_->lists.clear();
  impl_->ids.clear();
}
std::string_view ApplicantBatch::id(std::size_t index) const noexcept { return impl_->ids[index]; }

}  // namespace admit
