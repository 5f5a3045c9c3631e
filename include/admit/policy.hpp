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
};

struct CertificateInfo {
  std::string id;
  std::string label;
  std::string verified_by;  ///< data-sharing source that can verify it; empty: the family must upload it
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
  // Expectations; an absent one is not checked.
  std::optional<bool> eligible;
  std::optional<std::string> group;
  std::optional<Decimal> points;
  std::vector<std::pair<std::string, Decimal>> breakdown;  ///< only the items listed are checked
  std::optional<std::vector<std::string>> missing;
  std::optional<std::string> error_contains;  ///< expects the applicant to be rejected with this text
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
  const std::vector<PolicyTest>& tests() const noexcept;
  /// The rule file's path as given to compile_file, and its text (Python pickles policies by source).
  const std::string& file() const noexcept;
  const std::string& source_text() const noexcept;

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
