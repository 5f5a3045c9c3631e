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
#include <vector>

#include "policy/compiled_policy.hpp"

namespace admit::internal::analysis {

/// Thrown while encoding a construct outside the supported fragment.
struct Unsupported {
  std::string reason;
};

/// The unknowns of one applicant for one policy: a Z3 constant per fact, list length, list field,
/// verified / submitted certificate, and the three facets of a resident ID the ID functions see.
/// Created on first use; domain() constrains every variable created so far to its declared domain.
class ApplicantVars {
 public:
  ApplicantVars(z3::context& context, const CompiledPolicy& policy, std::string prefix);

  z3::context& context() const noexcept { return ctx_; }
  const CompiledPolicy& policy() const noexcept { return policy_; }

  z3::expr fact(std::uint32_t index);  // Bool for bool facts, Int otherwise (strings: a class, see below)
  z3::expr list_count(std::uint32_t list);
  z3::expr field(std::uint32_t list, std::uint32_t item, std::uint32_t field);
  z3::expr verified(std::uint32_t certificate);
  z3::expr submitted(std::uint32_t certificate);
  z3::expr id_valid(std::uint32_t fact);
  z3::expr id_birth(std::uint32_t fact);
  z3::expr id_gender(std::uint32_t fact);

  /// String facts are compared only with constants: a string fact's variable is 0 for "a text equal
  /// to none of the policy's constants" or k for the k-th constant (1-based) in string_constants().
  std::int64_t string_class(const std::string& text);
  const std::vector<std::string>& string_constants() const noexcept { return strings_; }

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
  std::vector<std::pair<z3::expr, std::uint32_t>> string_facts_;  // (variable, nothing): bounded in domain()
  std::vector<std::string> strings_;
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
