#pragma once
/// \file
/// Semantic analysis of a compiled policy (docs/analysis.md): gaps between groups, dead groups,
/// overlapping groups, points ranges and dead caps, certificates no data source verifies, and the
/// difference between two versions of a policy. Proofs come from Z3 over the declared fact domains;
/// every counterexample is replayed with the real binder and evaluator before it is reported.
///
/// This header belongs to the `admit_analysis` library (linked by the CLI and its tests), which
/// needs Z3; the core `admit::admit` library does not.
///
///     admit::AnalysisReport report = admit::analyze(*compiled.policy);
///     std::cout << admit::render_text(report.diagnostics());

#include <optional>
#include <string>
#include <vector>

#include "admit/decimal.hpp"
#include "admit/diagnostic.hpp"

namespace admit {

class Policy;

struct AnalysisOptions {
  /// Also list pairs of groups an applicant can match together (the order decides): notes.
  bool overlaps = false;
  /// Report each points item's reachable minimum and maximum as notes.
  bool points_ranges = true;
  /// Time limit of one solver query; a query that runs out says "unknown".
  unsigned query_timeout_ms = 5000;
  /// Time limit of the whole analysis of one policy (or diff): once spent, the remaining questions
  /// say "unknown" (0: none).
  unsigned time_budget_ms = 20000;
};

/// One finding. Codes (stable, also the diagnostic code and SARIF rule id):
///   analysis-gap               warning  an eligible applicant matches no group
///   analysis-dead-group        error    no applicant can reach the group (earlier groups named)
///   analysis-overlap           note     two groups match one applicant (AnalysisOptions::overlaps)
///   analysis-points-range      note     reachable minimum and maximum of an item / the total
///   analysis-dead-cap          warning  a cap that never binds
///   analysis-zero-item         warning  a points item that is always 0
///   analysis-upload-only       note     a required certificate no data source can verify
///   analysis-unused-certificate warning a certificate no reachable group requires (nor a substitute uses)
///   analysis-dead-substitute   warning  a substitute that can never apply
///   analysis-unknown           note     a question the analysis could not decide, with the reason
///   diff-group                 note     (admit diff) an applicant whose group changes
///   diff-points                note     (admit diff) an applicant whose points item changes
///   diff-unknown               note     (admit diff) a question the analysis could not decide
struct AnalysisFinding {
  std::string code;
  Severity severity = Severity::note;
  std::string subject;               ///< the group, item or certificate id ("cert/substitute" for substitutes); "" for the policy
  std::vector<std::string> related;  ///< e.g. the earlier groups that shadow a dead group, the overlapping group
  std::string example_json;          ///< the counterexample applicant (full, replayable), checked with the evaluator; may be empty
  std::string example_context_json;  ///< the evaluation context it was checked in (admit::Context::bind_json); empty: the defaults
  Diagnostic diagnostic;             ///< positioned in the rule file; the example in its notes has resident IDs masked
};

struct PointsRange {
  std::string item;  ///< the item id, or "" for the total
  bool known = false;
  Decimal min, max;
  std::string unknown_reason;
};

struct AnalysisReport {
  std::vector<AnalysisFinding> findings;
  std::vector<PointsRange> points;  ///< per item in policy order, then the total (analyze only)
  double seconds = 0;               ///< wall time of the analysis
  std::vector<Diagnostic> diagnostics() const;
};

/// True when the library was built with the analysis (always, for admit_analysis itself).
bool analysis_available() noexcept;

AnalysisReport analyze(const Policy& policy, const AnalysisOptions& options = {});

/// The semantic difference between two versions of a policy: for each (old group, new group) pair
/// an applicant can move between, one such applicant; for each points item whose value can change,
/// one applicant showing it. Facts, certificates and enum values are matched by name.
AnalysisReport diff(const Policy& old_policy, const Policy& new_policy, const AnalysisOptions& options = {});

}  // namespace admit
