#pragma once
/// \file
/// The answer for one applicant: eligibility, admission group, points and certificates, with the
/// reasons. A Decision refers to its Policy's tables (ids and labels are views into the policy): keep
/// the policy alive while reading it. Reuse one Decision per thread: evaluating into it again does not
/// allocate once its buffers have grown to the policy's size (unless a trace is recorded).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
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

namespace detail {
// A forward iterator over a view whose elements are values decoded on access (`*it` is a prvalue,
// like the elements of std::views::iota): `for (const auto& line : decision.breakdown())` works
// as with a container.
template <class View, class Element>
class DecodingIterator {
 public:
  using iterator_concept = std::forward_iterator_tag;
  using iterator_category = std::input_iterator_tag;
  using value_type = Element;
  using difference_type = std::ptrdiff_t;
  using reference = Element;

  DecodingIterator() = default;
  DecodingIterator(const View* view, std::size_t index) noexcept : view_(view), index_(index) {}
  Element operator*() const noexcept { return (*view_)[index_]; }
  DecodingIterator& operator++() noexcept {
    ++index_;
    return *this;
  }
  DecodingIterator operator++(int) noexcept {
    DecodingIterator before = *this;
    ++index_;
    return before;
  }
  friend bool operator==(const DecodingIterator& a, const DecodingIterator& b) noexcept { return a.index_ == b.index_; }

 private:
  const View* view_ = nullptr;
  std::size_t index_ = 0;
};
}  // namespace detail

/// The points lines of a decision, one per points item in the policy's order. A view into the
/// Decision (valid until it is evaluated into again, moved or destroyed); each line is decoded when
/// it is read, so that evaluating does not pay for lines nobody reads.
class PointsLines {
 public:
  using iterator = detail::DecodingIterator<PointsLines, PointsLine>;

  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  PointsLine operator[](std::size_t i) const noexcept {
    if (lines_) return lines_[i];
    const std::int64_t raw = raw_[i];
    const std::uint32_t flag = applied_at_[i];
    return PointsLine{static_cast<std::uint32_t>(i), Decimal::from_units(raw),
                      Decimal::from_units(raw < caps_[i] ? raw : caps_[i]), flag == UINT32_MAX || results_[flag] != 0};
  }
  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, count_}; }

 private:
  friend class Decision;
  const PointsLine* lines_ = nullptr;        // lines written one by one (rule-by-rule evaluation)
  const std::int64_t* results_ = nullptr;    // else: the decision program's outputs,
  const std::int64_t* raw_ = nullptr;        //   the items' raw values (consecutive),
  const std::uint32_t* applied_at_ = nullptr;//   where each item's `when` flag is (UINT32_MAX: none),
  const std::int64_t* caps_ = nullptr;       //   and the items' caps
  std::size_t count_ = 0;
};

/// The certificates a decision's group requires, in the policy's order, each with its status. A
/// view into the Decision like PointsLines; statuses are decoded from the applicant's certificate
/// bits when they are read.
class RequiredCertificates {
 public:
  using iterator = detail::DecodingIterator<RequiredCertificates, RequiredCertificate>;

  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  RequiredCertificate operator[](std::size_t i) const noexcept {
    if (items_) return items_[i];
    std::uint64_t bits = required_;
    for (; i != 0; --i) bits &= bits - 1;  // the i-th required certificate is the i-th set bit
    const auto c = static_cast<unsigned>(std::countr_zero(bits));
    const CertificateStatus status = (verified_ >> c) & 1u    ? CertificateStatus::verified
                                     : (submitted_ >> c) & 1u ? CertificateStatus::submitted
                                                              : CertificateStatus::missing;
    return RequiredCertificate{c, status, UINT32_MAX};
  }
  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, count_}; }

 private:
  friend class Decision;
  const RequiredCertificate* items_ = nullptr;  // statuses written one by one, or
  std::uint64_t required_ = 0, verified_ = 0, submitted_ = 0;  // certificate bits (below 64)
  std::size_t count_ = 0;
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
  /// One line per points item (empty when not eligible).
  PointsLines breakdown() const noexcept;

  /// Certificates the group requires, in the policy's order, each with its status.
  RequiredCertificates certificates() const noexcept {
    RequiredCertificates list;
    if (certificate_bits_) {
      list.count_ = static_cast<std::size_t>(std::popcount(required_bits_));
      list.required_ = required_bits_;
      list.verified_ = verified_bits_;
      list.submitted_ = submitted_bits_;
    } else {
      list.count_ = certificates_count_;
      list.items_ = certificates_.data();
    }
    return list;
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
  // Where breakdown() and certificates() are read from. The fast path leaves the points in the
  // decision program's outputs (scratch_: the register file, or native code's outputs) and the
  // certificates as bit sets, and the views decode them when read; the rule-by-rule path (traces,
  // run-time errors, substitutes) writes lines and statuses one by one into the vectors below.
  enum class Lines : std::uint8_t { stored, registers, native_outputs };
  Lines lines_source_ = Lines::stored;
  bool certificate_bits_ = false;
  std::size_t breakdown_count_ = 0;
  std::uint64_t required_bits_ = 0, verified_bits_ = 0, submitted_bits_ = 0;
  // Storage keeps its size across evaluations (no element is constructed again once warm); the
  // counts say how much of it the current decision uses.
  std::vector<PointsLine> breakdown_;
  std::vector<RequiredCertificate> certificates_;
  std::size_t certificates_count_ = 0;
  std::vector<TraceEntry> trace_;
  std::vector<std::int64_t> sort_key_;
  std::size_t sort_key_count_ = 0;
  Scratch scratch_;
};

}  // namespace admit
