#pragma once
/// \file
/// The answer for one applicant: eligibility, admission group, points and certificates, with the
/// reasons. A Decision refers to its Policy's tables (ids and labels are views into the policy): keep
/// the policy alive while reading it. Reuse one Decision per thread: evaluating into it again does not
/// allocate once its buffers have grown to the policy's size (unless a trace is recorded).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "admit/decimal.hpp"

namespace admit {

class Policy;

enum class CertificateStatus : std::uint8_t {
  verified,     ///< verified through data sharing
  submitted,    ///< uploaded by the family
  substituted,  ///< satisfied by an accepted substitute (see substitute index)
  missing,
};
std::string_view to_string(CertificateStatus) noexcept;

struct RequiredCertificate {
  std::uint32_t certificate = 0;        ///< index into Policy::certificates()
  CertificateStatus status = CertificateStatus::missing;
  std::uint32_t substitute = UINT32_MAX;  ///< index of the substitute used, when substituted
};

struct PointsLine {
  std::uint32_t item = 0;  ///< index into Policy::points_items()
  Decimal raw;             ///< the item's value before its cap
  Decimal value;           ///< after the cap (what counts)
  bool applied = true;     ///< false when the item's `when` condition did not hold (value 0)
};

enum class TraceKind : std::uint8_t { eligibility, group, points, requirement, substitute };

/// One condition that was evaluated, its result and the facts it read ("hukou_zone = in_zone").
struct TraceEntry {
  TraceKind kind{};
  std::uint32_t index = 0;  ///< check / group / points item / certificate index
  bool result = false;
  Decimal value;            ///< points items: the value
  std::string subject;      ///< e.g. "group hukou_property (有房有户)"
  std::string expression;   ///< the condition as written in the rule file
  std::string location;     ///< file:line:column of the condition
  std::string values_seen;  ///< "hukou_zone = in_zone, property_type = none" (resident IDs masked)
};

class Decision {
 public:
  Decision() = default;

  bool ok() const noexcept { return error_.empty(); }
  /// A run-time error (arithmetic overflow, division by zero, an invalid ID where a birth date was
  /// needed), with the rule-file location. Empty when ok.
  const std::string& error() const noexcept { return error_; }

  bool eligible() const noexcept { return eligible_; }
  /// Index of the failed eligibility check (Policy::eligibility_checks()), or UINT32_MAX.
  std::uint32_t failed_check() const noexcept { return failed_check_; }

  /// The group id: the matched group, or the failed eligibility check's id when not eligible, or ""
  /// when no group matched (manual review).
  std::string_view group_id() const noexcept;
  std::string_view group_label() const noexcept;
  /// Index into Policy::groups(), or UINT32_MAX when no group applies.
  std::uint32_t group() const noexcept { return group_; }
  /// 1-based admission priority of the group, 0 when none.
  std::uint32_t rank() const noexcept { return group_ == UINT32_MAX ? 0 : group_ + 1; }

  Decimal points() const noexcept { return points_; }
  /// Points before the total cap.
  Decimal points_uncapped() const noexcept { return points_uncapped_; }
  std::span<const PointsLine> breakdown() const noexcept { return {breakdown_.data(), breakdown_count_}; }

  /// Certificates the group requires, in the policy's order, each with its status.
  std::span<const RequiredCertificate> certificates() const noexcept {
    return {certificates_.data(), certificates_count_};
  }
  std::size_t missing_count() const noexcept;
  /// Ids of the missing certificates, in requirement order (allocates; the CLI and bindings use it).
  std::vector<std::string> missing_ids() const;

  std::span<const TraceEntry> trace() const noexcept { return {trace_.data(), trace_.size()}; }

  /// Where the applicant stands among the applicants of one school: sorting decisions by their sort
  /// keys, ascending and lexicographically, gives the admission order. Element 0 is the rank (the
  /// group's 1-based position; groups + 1 for no group, groups + 2 when not eligible), then one value
  /// per tie-break key of the group (Policy::tie_break): ints, decimal units, days, enum indexes,
  /// negated for descending keys; 0 for keys a group does not have. Empty when the policy declares
  /// no tie-break.
  std::span<const std::int64_t> sort_key() const noexcept { return {sort_key_.data(), sort_key_count_}; }
  /// Element i of the sort key as people read it: the rank, then each key's value in its own type
  /// (not negated): "2", "2019-05-01", "35.5", "in_zone", "true". Allocates; for tools and tests.
  std::string sort_key_text(std::size_t i) const;

  const Policy* policy() const noexcept { return policy_; }

  /// Implementation state, reused across evaluations.
  struct Scratch {
    std::vector<std::int64_t> registers;
    std::vector<std::int64_t> native_outputs;
    std::uint64_t bound_serial = 0;  ///< which compiled program the constants belong to
  };

 private:
  friend struct DecisionWriter;
  const Policy* policy_ = nullptr;
  std::string error_;
  bool eligible_ = false;
  std::uint32_t failed_check_ = UINT32_MAX;
  std::uint32_t group_ = UINT32_MAX;
  Decimal points_;
  Decimal points_uncapped_;
  // Storage keeps its size across evaluations (no element is constructed again once warm); the
  // counts say how much of it the current decision uses.
  std::vector<PointsLine> breakdown_;
  std::size_t breakdown_count_ = 0;
  std::vector<RequiredCertificate> certificates_;
  std::size_t certificates_count_ = 0;
  std::vector<TraceEntry> trace_;
  std::vector<std::int64_t> sort_key_;
  std::size_t sort_key_count_ = 0;
  // The policy (program serial) the fast path has set this decision up for: breakdown_ and
  // certificates_ are large enough, line i is item i and items without a `when` are applied. 0
  // after a rule-by-rule evaluation, which writes whole lines.
  std::uint64_t prepared_serial_ = 0;
  Scratch scratch_;
};

}  // namespace admit
