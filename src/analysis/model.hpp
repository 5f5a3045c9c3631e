#pragma once
// A whole policy as Z3 terms (docs/analysis.md): which check fails, which group matches, each
// points item's value, which requirements apply and which substitutes are used, and when the
// evaluation stops with a run-time error. A rule outside the supported fragment becomes a fresh,
// unconstrained variable: proofs ("no applicant ...") stay sound, and an example that depends on
// such a rule fails its replay with the real evaluator and is reported as unknown.

#include <z3++.h>

#include <optional>
#include <string>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "analysis/symbolic.hpp"

namespace admit::internal::analysis {

struct Rule {
  z3::expr value;
  z3::expr error;
  std::string unknown;  // non-empty: the value is unconstrained, for this reason
};

struct UnknownRule {
  std::string what;    // "group batch2 (第二批次...)"
  std::string reason;  // "uses starts_with on a fact"
  std::size_t offset = 0;
};

class PolicyModel {
 public:
  /// `strings`: the text domain shared with another model (diff); by default the policy's own.
  PolicyModel(z3::context& context, const Policy& policy, std::string prefix,
              std::shared_ptr<const StringDomain> strings = nullptr);

  const Policy& policy;
  const CompiledPolicy& p;
  ApplicantVars vars;

  std::vector<Rule> checks, groups, item_values, item_conditions;
  std::vector<std::vector<Rule>> requirement_conditions;  // per group, per requirement
  std::vector<std::vector<Rule>> substitute_conditions;   // per certificate, per substitute
  std::vector<UnknownRule> unknowns;

  std::optional<z3::expr> eligible, runs_ok, no_group;
  std::vector<z3::expr> check_fails;  // check i is the first to fail
  std::vector<z3::expr> reach;        // group g is the applicant's group
  std::vector<z3::expr> item_raw;     // micro-units before the cap (when applied)
  std::vector<z3::expr> item_applied;
  std::vector<z3::expr> item_value;   // what counts: capped, 0 when not applied
  std::optional<z3::expr> total_uncapped, total;
  std::vector<std::vector<z3::expr>> requirement_applies;  // per group, per requirement (condition only)
  std::vector<std::vector<z3::expr>> substitute_used;      // per certificate, per substitute, given the certificate is required

  z3::expr has(std::uint32_t certificate);
  z3::expr domain() const { return vars.domain(); }
  /// Unknown rules whose reasons explain a failed replay, as one line.
  std::string unknown_summary() const;

 private:
  Rule encode(const vm::Segment& segment, bool want_bool, std::string what, std::size_t offset);
  z3::context& c_;
  SegmentEncoder encoder_;
  unsigned fresh_ = 0;
  std::string prefix_;
};

/// A counterexample as an applicant record: the full JSON (replayable) and the same with resident
/// ID numbers masked (for printing); and the evaluation-context values it needs (dotted path, JSON
/// value), when the policy reads any.
struct Witness {
  std::string json;
  std::string display;
  std::vector<std::pair<std::string, std::string>> context;
  /// The context values as a JSON object; with a policy, only those that policy declares.
  std::string context_json(const Policy* policy = nullptr) const;
};

/// Builds the applicant record from a model; `models` are read in order (diff passes both policies'
/// models so that facts only one of them reads get that one's value).
Witness build_witness(const std::vector<const PolicyModel*>& models, const z3::model& model, int serial);

/// Binds the record to the policy with the real binder and evaluates it with the real evaluator.
/// Returns false (and the reason) when the record does not bind or the evaluation fails.
/// The context (may be empty: every value at its default) is bound with admit::Context first.
bool replay(const Policy& policy, const Witness& witness, Decision& decision, std::string* why);

/// Runs one rule segment of the policy on a bound applicant with the real interpreter.
std::optional<std::int64_t> run_rule(const Policy& policy, const Witness& witness, const vm::Segment& segment);

}  // namespace admit::internal::analysis
