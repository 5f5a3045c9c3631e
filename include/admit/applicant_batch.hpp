#pragma once
/// \file
/// A population of applicants bound to one policy, stored contiguously: the layout for evaluating
/// many applicants that are already in memory (an analyst's population, a nightly re-run). Each
/// applicant's facts and certificate bits sit side by side in one array, so evaluating the batch
/// in order streams through memory instead of chasing one heap object per applicant.
///
///     admit::ApplicantBatch batch(policy);
///     for (const std::string& line : lines)
///       if (!batch.append_json(line, &error)) report(error);   // nothing is appended on error
///     admit::Decision decision;
///     for (std::size_t i = 0; i < batch.size(); ++i) policy.evaluate(batch, i, decision);

#include <cstddef>
#include <memory>
#include <string_view>

#include "admit/applicant.hpp"

namespace admit {

class Policy;

class ApplicantBatch {
 public:
  explicit ApplicantBatch(const Policy& policy);
  ~ApplicantBatch();
  ApplicantBatch(ApplicantBatch&&) noexcept;
  ApplicantBatch& operator=(ApplicantBatch&&) noexcept;
  ApplicantBatch(const ApplicantBatch&) = delete;
  ApplicantBatch& operator=(const ApplicantBatch&) = delete;

  const Policy& policy() const noexcept;
  /// Binds one JSON record and appends it. On failure returns false, fills `error` and appends nothing.
  bool append_json(std::string_view json, BindError* error = nullptr, const BindOptions& options = {});
  /// Appends a copy of an applicant bound to the same policy.
  void append(const Applicant& applicant);
  std::size_t size() const noexcept;
  void reserve(std::size_t applicants);
  void clear() noexcept;
  /// The record's own `id` (the caller's field: not masked).
  std::string_view id(std::size_t index) const noexcept;

  struct Impl;
  const Impl& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace admit
