#pragma once
/// \file
/// Compiling a county policy and asking it questions.
///
///     admit::CompileResult r = admit::compile_file("rules/examples/benchmark-county.yaml");
///     if (!r.ok()) { std::cerr << admit::render_text(r.diagnostics); return 1; }
///     const admit::Policy& policy = *r.policy;
///     admit::Applicant applicant(policy);
///     admit::BindError error;
///     if (!applicant.bind_json(line, &error)) { ... error.message ... }
///     admit::Decision decision;
///     policy.evaluate(applicant, decision);   // allocation-free once `decision` is warm
///     decision.group_id(); decision.points(); decision.missing_count(); ...
///
/// A compiled Policy is immutable: share it (std::shared_ptr<const Policy>) and evaluate it from any
/// number of threads at once, each with its own Applicant and Decision.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admit/date.hpp"
#include "admit/decimal.hpp"
#include "admit/diagnostic.hpp"

namespace admit {

class Applicant;
class ApplicantBatch;
class Decision;
namespace internal {
struct CompiledPolicy;
struct PolicyFactory;
}

/// Guards on every input, so a hostile or broken rule file is a diagnostic, never a crash or a hang.
struct CompileLimits {
  std::size_t max_file_bytes = 4u << 20;
  std::size_t max_expression_bytes = 16u << 10;
  std::uint32_t max_expression_depth = 64;
  std::uint32_t max_yaml_depth = 64;
  std::uint32_t max_facts = 4096;
  std::uint32_t max_rules = 4096;          ///< groups + eligibility checks + points items + lets
  std::uint32_t max_certificates = 1024;
  std::uint32_t max_enum_values = 1024;
  std::uint32_t max_list_items = 1024;     ///< upper bound for a list fact's `max_items`
  std::uint32_t max_tests = 100000;
};

struct CompileOptions {
  CompileLimits limits;
  /// What-if edits applied to the rule file before compiling, as (path, value) pairs. A path walks
  /// mappings by key and lists by item `id`: "params.rental_rate" = "2.5",
  /// "points.items.housing.cap" = "30", "groups.migrant_worker.when" = "residence_permit".
  /// The value is read as a YAML scalar. A path that names nothing is an error diagnostic.
  std::vector<std::pair<std::string, std::string>> overrides;
  /// Files that `extends:` reads from memory instead of the disk, as (path, text) pairs: a rule file
  /// and its bases can all be compiled without a file system (the Python module's pickles do).
  /// Paths are compared after normalisation, as `extends:` resolves them (relative to the file that
  /// names them).
  std::vector<std::pair<std::string, std::string>> files;
  /// Whether `extends:` may read files from the disk (those not in `files`). Turn it off when
  /// compiling rule files from untrusted sources: a base's text appears in diagnostics.
  bool read_bases_from_disk = true;
  /// When set, receives the merged policy (the rule file with everything it extends) as one YAML
  /// document: what `admit check --resolved` prints.
  std::string* resolved_out = nullptr;
  /// Load the sibling `<name>.test.yaml` (tests for `admit test`) when it exists.
  bool load_sibling_tests = true;
  /// Run the bytecode optimizer and fuse the rules into one program. Decisions are identical either
  /// way (the test suite checks it); switching it off only exists to test the optimizer.
  bool optimize = true;
  /// Generated native code for this policy (see admit/native.hpp); used when its fingerprint
  /// matches the compiled program, otherwise a warning says so and the interpreter runs.
  const struct NativeProgram* native = nullptr;
};

class Policy;

/// What compiling produced: a policy (null when there were errors) and every diagnostic, warnings included.
struct CompileResult {
  std::shared_ptr<const Policy> policy;
  std::vector<Diagnostic> diagnostics;
  bool ok() const noexcept { return policy != nullptr; }
};

/// Compiles a rule file. I/O problems (missing file, unreadable) are diagnostics too.
CompileResult compile_file(const std::string& path, const CompileOptions& options = {});
/// Compiles rule-file text; `file_name` is only used in diagnostics.
CompileResult compile_source(std::string_view yaml_text, std::string_view file_name,
                             const CompileOptions& options = {});

enum class FactType : std::uint8_t { boolean, integer, decimal, date, string, enumeration, resident_id, list };
std::string_view to_string(FactType) noexcept;

struct FactInfo {
  std::string path;             ///< dotted name, e.g. "hukou.zone"; list fields as "properties[].kind"
  FactType type{};
  std::string label;            ///< Chinese label for people
  std::string source;           ///< data-sharing source, e.g. 公安户籍; may be empty
  std::vector<std::string> values;        ///< enum values, in declaration order
  std::vector<std::string> value_labels;  ///< labels of enum values (same order; may be empty strings)
  bool has_default = false;
  std::uint32_t max_items = 0;  ///< lists only
  bool context = false;         ///< declared under `context:`: supplied with admit::Context, not the record
};

/// A named constant of the policy (`params:`), the usual target of what-if overrides.
struct ParamInfo {
  std::string name;
  FactType type{};
  std::string value;  ///< canonical text: "2.5", "2020-08-31", "true", "text"
  std::string label;
};

struct GroupInfo {
  std::string id;
  std::string label;
  std::uint32_t rank = 0;  ///< 1-based admission priority; 0 for "no group"
};

struct PointsItemInfo {
  std::string id;
  std::string label;
  std::optional<Decimal> cap;
  std::string kind;  ///< what it scores: hukou_type, residence, employment, property_type, bonus, other; may be empty
};

struct CertificateInfo {
  std::string id;
  std::string label;
  std::string verified_by;  ///< data-sharing source that can verify it; empty: the family must upload it
  std::string label_en;
  std::string category;     ///< identity, hukou, property, residence, employment, ...; may be empty
};

/// One key of a within-group tie-break (`tie_break:`), in the order the keys compare.
struct TieBreakInfo {
  std::string id;
  std::string label;
  bool descending = false;  ///< larger values first (the sort key holds the value negated)
  bool points = false;      ///< the key is the points total (`points`) or an item's value (`points.<item>`)
  std::string item;         ///< the points item, for `points.<item>`
  FactType type{};          ///< the key's type (decimal for the points total)
  std::vector<std::string> values;  ///< enum keys: the enum's value names
};

struct CheckInfo {
  std::string id;
  std::string label;
  std::string reason;
};

struct PolicyMetadata {
  std::string id;
  std::string title;
  std::string jurisdiction;
  int year = 0;
  int grade = 0;
  std::optional<Date> age_cutoff;
};

/// One test case of the policy (`tests:` in the file or in `<name>.test.yaml`).
struct PolicyTest {
  std::string name;
  std::string file;
  std::uint32_t line = 0;
  std::string applicant_json;  ///< the applicant, converted to JSON
  std::string context_json;    ///< the evaluation context (the test file's, with the test's own over it); may be empty
  // Expectations; an absent one is not checked.
  std::optional<bool> eligible;
  std::optional<std::string> group;
  std::optional<Decimal> points;
  std::vector<std::pair<std::string, Decimal>> breakdown;  ///< only the items listed are checked
  std::optional<std::vector<std::string>> missing;
  std::optional<std::string> error_contains;  ///< expects the applicant to be rejected with this text
  std::optional<std::vector<std::string>> sort_key;  ///< the sort key's values as written (rank, then keys)
};

class Policy {
 public:
  ~Policy();
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  const PolicyMetadata& metadata() const noexcept;
  const std::vector<FactInfo>& facts() const noexcept;
  const std::vector<ParamInfo>& params() const noexcept;
  /// The overrides this policy was compiled with (CompileOptions::overrides).
  const std::vector<std::pair<std::string, std::string>>& overrides() const noexcept;
  const std::vector<CheckInfo>& eligibility_checks() const noexcept;
  const std::vector<GroupInfo>& groups() const noexcept;
  const std::vector<PointsItemInfo>& points_items() const noexcept;
  std::optional<Decimal> points_cap() const noexcept;
  const std::vector<CertificateInfo>& certificates() const noexcept;
  /// The tie-break keys of a group (Decision::group()), or of applicants with no group
  /// (UINT32_MAX): the group's own `tie_break`, else the policy's. Decision::sort_key() holds the
  /// rank, then these keys' values.
  const std::vector<TieBreakInfo>& tie_break(std::uint32_t group) const noexcept;
  /// Lints switched on by the policy (`lint:`), e.g. "shandong".
  const std::vector<std::string>& lints() const noexcept;
  const std::vector<PolicyTest>& tests() const noexcept;
  /// The rule file's path as given to compile_file, and its text.
  const std::string& file() const noexcept;
  const std::string& source_text() const noexcept;
  /// Every file the policy was compiled from, as (path, text): the rule file first, then the files
  /// it extends in load order. Compiling sources()[0] with the others as CompileOptions::files gives
  /// the same policy (Python pickles policies this way).
  const std::vector<std::pair<std::string, std::string>>& sources() const noexcept;

  /// Evaluates one applicant into `out` (reuse `out` across calls: no allocation once warm).
  /// `applicant` must have been bound to this policy. Thread-safe.
  void evaluate(const Applicant& applicant, Decision& out) const;
  /// Evaluates applicant `index` of a batch bound to this policy (see admit/applicant_batch.hpp).
  void evaluate(const ApplicantBatch& batch, std::size_t index, Decision& out) const;
  /// The same, recording a trace of which conditions decided and the values they saw (allocates).
  void evaluate_with_trace(const Applicant& applicant, Decision& out) const;

  /// True when evaluation runs generated native code (CompileOptions::native).
  bool uses_native_code() const noexcept;

  const internal::CompiledPolicy& compiled() const noexcept { return *impl_; }

 private:
  friend struct internal::PolicyFactory;
  explicit Policy(std::unique_ptr<internal::CompiledPolicy> impl);
  std::unique_ptr<internal::CompiledPolicy> impl_;
};

}  // namespace admit
