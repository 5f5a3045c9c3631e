#pragma once
// Symbolic execution of a compiled policy's bytecode into Z3 terms (docs/analysis.md).
//
// Each rule's segment is executed once over symbolic registers: the applicant's facts are Z3
// constants, forks at conditional jumps are merged again at join points (if-then-else terms), and
// quantifier loops are unrolled up to the list's max_items (the loop index stays concrete, the
// list length is a bounded variable). Whatever falls outside the supported fragment throws
// Unsupported with a reason, which the analysis reports as "unknown": the encoding never guesses.

#include <z3++.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <string>
#include <string_view>
#include <vector>

#include "policy/compiled_policy.hpp"

namespace admit::internal::analysis {

/// Thrown while encoding a construct outside the supported fragment.
struct Unsupported {
  std::string reason;
};

/// Every text constant of the analysed programs (codes 1..K, sorted), and how texts that are none
/// of them are made up for examples (docs/analysis.md). A text that equals no constant belongs to
/// a class: 0 when no constant is a prefix of it, j when constant j is its longest constant prefix.
/// Equality, `in` and starts_with(x, constant) depend only on which constant a text is, or on its
/// class, so the analysis is exact with texts as the elements of an uninterpreted sort.
class StringDomain {
 public:
  explicit StringDomain(const std::vector<const CompiledPolicy*>& policies);

  /// The code of a constant (throws Unsupported for a text that is not one of the constants).
  std::int64_t code(std::string_view text) const;
  std::int64_t size() const noexcept { return static_cast<std::int64_t>(texts_.size()); }
  const std::string& text(std::int64_t code) const { return texts_.at(static_cast<std::size_t>(code - 1)); }
  /// The i-th made-up text of class j (distinct for distinct (j, i)).
  std::string other(std::int64_t j, std::int64_t i) const;
  /// Class 0 is empty when "" is a constant (every text starts with it: its class holds them).
  bool class_zero_empty() const noexcept { return empty_constant_; }
  /// Whether every class has a marker (a character no constant continues the class prefix with).
  bool complete() const noexcept { return complete_; }

 private:
  std::vector<std::string> texts_;    // code k is texts_[k - 1]
  std::vector<std::string> markers_;  // per class
  bool empty_constant_ = false;
  bool complete_ = true;
};

/// The unknowns of one applicant for one policy: a Z3 constant per fact, list length, list field,
/// verified / submitted certificate, and the three facets of a resident ID the ID functions see.
/// Created on first use; domain() constrains every variable created so far to its declared domain.
class ApplicantVars {
 public:
  ApplicantVars(z3::context& context, const CompiledPolicy& policy, std::string prefix,
                std::shared_ptr<const StringDomain> strings = nullptr);

  z3::context& context() const noexcept { return ctx_; }
  const CompiledPolicy& policy() const noexcept { return policy_; }

  z3::expr fact(std::uint32_t index);  // Bool for bool facts, Int otherwise (strings: a code of StringDomain)
  z3::expr list_count(std::uint32_t list);
  z3::expr field(std::uint32_t list, std::uint32_t item, std::uint32_t field);
  z3::expr verified(std::uint32_t certificate);
  z3::expr submitted(std::uint32_t certificate);
  z3::expr id_valid(std::uint32_t fact);
  z3::expr id_birth(std::uint32_t fact);
  z3::expr id_gender(std::uint32_t fact);

  /// Texts: every string fact, field and context value is a Z3 constant of the uninterpreted sort
  /// Text; the domain's constants are distinct constants of it, and a text that is none of them has
  /// a class (text_class: 0 for no constant prefix, j for constant j as its longest prefix).
  z3::sort text_sort() const;
  z3::expr text_constant(std::int64_t code);
  z3::expr text_class(const z3::expr& text);
  z3::expr is_constant_text(const z3::expr& text);
  const StringDomain& strings() const noexcept { return *strings_; }
  std::shared_ptr<const StringDomain> shared_strings() const noexcept { return strings_; }

  /// A date's calendar fields (year, month 1-12, day 1-31), exact: fresh unknowns tied to the day
  /// number by the calendar's own arithmetic (when the day number is a valid date).
  struct CivilVars {
    z3::expr year, month, day;
  };
  CivilVars civil(const z3::expr& days);

  /// Facts read as strings and as resident IDs (id_valid, ...): a fact in both is outside the fragment.
  std::vector<bool> used_as_string, used_as_id;

  z3::expr domain() const;

  /// What the witness builder reads back from a model.
  bool has_fact(std::uint32_t index) const { return facts_.count(index) != 0; }
  bool has_id(std::uint32_t index) const { return ids_.count(index) != 0; }
  bool has_list(std::uint32_t list) const { return counts_.count(list) != 0; }
  bool has_field(std::uint32_t list, std::uint32_t item, std::uint32_t field) const {
    return fields_.count({list, item, field}) != 0;
  }
  bool has_verified(std::uint32_t c) const { return verified_.count(c) != 0; }
  bool has_submitted(std::uint32_t c) const { return submitted_.count(c) != 0; }

  // The variables created so far (read by the witness builder and by `diff`, which links two policies' variables).
  struct IdVars {
    z3::expr valid, birth, gender;
  };
  std::map<std::uint32_t, z3::expr> facts_, counts_, verified_, submitted_;
  std::map<std::uint32_t, IdVars> ids_;
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, z3::expr> fields_;

 private:
  z3::expr make_scalar(const std::string& name, const FactDef& def, std::uint32_t enum_size);

  z3::context& ctx_;
  const CompiledPolicy& policy_;
  std::string prefix_;
  std::vector<z3::expr> constraints_;
  std::vector<z3::expr> string_vars_;  // bounded by the string domain in domain()
  std::shared_ptr<const StringDomain> strings_;
  std::map<unsigned, std::pair<z3::expr, CivilVars>> civil_;  // by the day term's AST id
  unsigned civil_count_ = 0, list_texts_ = 0;
};

/// One rule's meaning: its value (Bool for conditions, Int for numbers), when it fails at run time,
/// or why it cannot be encoded.
struct Encoded {
  std::optional<z3::expr> value;
  std::optional<z3::expr> error;  // Bool: the evaluation stops with a run-time error
  std::string unknown;            // non-empty: outside the fragment
  bool ok() const noexcept { return unknown.empty(); }
};

/// Encodes segments of one policy's program over its ApplicantVars.
class SegmentEncoder {
 public:
  explicit SegmentEncoder(ApplicantVars& vars);
  /// want_bool: a condition (Bool term), otherwise a number (Int term: ints, decimal micro-units).
  Encoded encode(const vm::Segment& segment, bool want_bool);

 private:
  struct Impl;
  ApplicantVars& vars_;
};

/// Human description of a segment's unsupported construct, e.g. "uses starts_with".
std::string describe_op(vm::Op op);

}  // namespace admit::internal::analysis
