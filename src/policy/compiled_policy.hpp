#pragma once
// Everything a compiled policy holds: the public tables (ids, labels), the fact layout the applicant
// binds into, and the program with one segment per condition. Immutable after compilation.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/native.hpp"
#include "admit/policy.hpp"
#include "diag/source_file.hpp"
#include "vm/program.hpp"

namespace admit::internal {

/// A string-keyed map that can be searched with a std::string_view (no temporary string per lookup).
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using NameMap = std::unordered_map<std::string, V, NameHash, std::equal_to<>>;

enum class TypeKind : std::uint8_t { error, boolean, integer, decimal, date, string, enumeration, list, record };

/// A static type. Enums carry their enum id; lists and records the list fact's id.
struct Type {
  TypeKind kind = TypeKind::error;
  std::uint32_t id = 0;
  bool resident_id = false;  // a string holding a resident ID number (masked in traces)
  friend bool operator==(const Type&, const Type&) = default;
};

struct EnumDef {
  std::string name;  // the fact path that declared it, or a built-in name ("gender")
  std::vector<std::string> values;
  std::vector<std::string> labels;
  NameMap<std::uint32_t> index;
};

/// A scalar fact (top-level or a list field).
struct FactDef {
  std::string path;      // "hukou.zone"; for a list field, the field name ("kind")
  Type type;
  std::string label;
  std::string source;
  bool has_default = false;
  std::int64_t default_slot = 0;  // encoded default (strings: index into string_defaults)
  std::string default_text;       // string default
  std::uint32_t slot = 0;         // register / slot index (top-level), field index (list field)
  std::uint32_t string_index = UINT32_MAX;  // strings: which string buffer of the applicant
  std::size_t offset = 0;         // declaration offset in the rule file
  bool context = false;           // an evaluation-context value (`context:`), not an applicant fact
  bool read = false;              // some rule reads it (a context value nothing reads is never required)
};

struct ListDef {
  std::string path;
  std::string label;
  std::string source;
  std::vector<FactDef> fields;
  NameMap<std::uint32_t> field_index;
  std::uint32_t max_items = 16;
  std::uint32_t slot = 0;
  std::uint32_t string_fields = 0;  // how many string fields each record has
  bool has_default = true;          // an absent list is empty
};

struct Requirement {
  std::uint32_t certificate = 0;
  std::optional<vm::Segment> condition;
  std::string expression;  // the condition as written, for traces
  std::size_t offset = 0;
};

struct Substitute {
  std::string id;
  std::string label;
  std::vector<std::uint32_t> all_of;
  std::optional<vm::Segment> condition;
  std::string expression;
  std::size_t offset = 0;
};

struct CertificateDef {
  std::vector<Substitute> substitutes;
};

struct CheckDef {
  vm::Segment condition;
  std::string expression;
  std::size_t offset = 0;
};

struct GroupDef {
  vm::Segment condition;
  std::string expression;
  std::size_t offset = 0;
  std::vector<Requirement> requirements;
};

struct PointsItemDef {
  vm::Segment value;
  std::optional<vm::Segment> condition;
  bool value_is_decimal = true;
  std::string expression;
  std::size_t offset = 0;
};

struct TieBreakDef {
  std::optional<vm::Segment> key;  // absent: the points total, or a points item's value
  std::uint32_t item = UINT32_MAX; // `points.<item>`: that item's value after its cap
  bool descending = false;
};

/// The whole decision as one straight program (fuse.cpp): eligibility, group, points and
/// conditional requirements in a single interpreter run, results left in output registers.
struct FusedDecision {
  bool available = false;
  vm::Segment segment;
  std::uint32_t failed = 0;      // register: index of the failed check, or -1
  std::uint32_t group = 0;       // register: group index, or -1
  std::uint32_t requirements = 0;// register: bit j set when the group's conditional requirement j applies
                                 // (with certificate_bits: bit c when it applies to certificate c)
  std::vector<std::uint32_t> applied;  // per points item: 1 when its `when` holds (UINT32_MAX: no `when`)
  std::vector<std::uint32_t> raw;      // per points item: value in decimal units before the cap
  std::vector<std::int64_t> caps;      // per points item: the cap in decimal units (INT64_MAX: none)
  std::uint64_t fingerprint = 0;       // of the fused code and the fact layout (native code must match)
  // Certificates as bit sets: when every group's requirements name distinct certificates below 64
  // in ascending order (the usual case), the requirements register holds certificate bits, and the
  // statuses are read off the applicant's verified/submitted words with bit operations.
  bool certificate_bits = false;
  std::vector<std::uint64_t> group_certificates;  // per group: certificates of its unconditional requirements
  std::uint64_t substitutable = 0;                // certificates that have substitutes (the general path)
  /// The registers generated native code writes out, in this order: failed, group, requirements,
  /// each item's raw, each conditional item's applied flag.
  std::vector<std::uint32_t> outputs() const;
};

// What the fastest path reads, together: native code that writes the points total, and
// certificates as bit sets (FusedDecision::certificate_bits). Outputs 0, 1 and 2 are the failed
// check, the group and the requirement bits. `run` is null when the path does not apply.
struct NativeFastPath {
  bool (*run)(const std::int64_t* facts, std::int64_t* outputs) = nullptr;
  std::uint32_t room = 0;   // outputs to allocate
  std::uint32_t total = 0;  // output: the points total after item caps
  std::uint32_t items = 0;
  std::int64_t points_cap = INT64_MAX;  // the policy's total cap, in units
  std::uint64_t substitutable = 0;
  const std::uint64_t* group_certificates = nullptr;  // FusedDecision::group_certificates
};

struct CompiledPolicy {
  std::unique_ptr<SourceFile> source;   // the rule file, then the files it extends
  std::vector<std::pair<std::string, std::string>> sources;  // each file's name and text

  // Public tables.
  PolicyMetadata metadata;
  std::vector<FactInfo> fact_infos;
  std::vector<ParamInfo> param_infos;
  std::vector<std::pair<std::string, std::string>> overrides;
  std::vector<CheckInfo> check_infos;
  std::vector<GroupInfo> group_infos;
  std::vector<PointsItemInfo> points_infos;
  std::optional<Decimal> points_cap;
  std::vector<CertificateInfo> certificate_infos;
  std::vector<PolicyTest> tests;

  // Layout.
  std::vector<EnumDef> enums;
  std::vector<FactDef> facts;   // scalar top-level facts, slot = index
  std::vector<ListDef> lists;   // list facts; their slot is a register too
  std::uint32_t slot_count = 0; // facts + lists
  std::uint32_t string_count = 0;
  NameMap<std::uint32_t> fact_by_path;  // -> facts index
  NameMap<std::uint32_t> list_by_path;  // -> lists index
  NameMap<std::uint32_t> certificate_by_id;

  // Logic.
  vm::Program program;
  std::vector<CheckDef> checks;
  std::vector<GroupDef> groups;
  std::vector<PointsItemDef> points_items;
  std::vector<CertificateDef> certificates;
  FusedDecision fused;
  // Tie-breaks: every key once, then per group (and one more list for applicants with no group)
  // the indexes of its keys in order.
  std::vector<TieBreakDef> tie_break_keys;
  std::vector<std::vector<std::uint32_t>> tie_breaks;
  std::vector<std::vector<TieBreakInfo>> tie_break_infos;
  std::size_t sort_key_length = 0;  // 1 + the longest list; 0 without tie-breaks
  std::vector<std::string> lints;
  const NativeProgram* native = nullptr;
  // Where each result sits in the native outputs (indices into NativeProgram outputs).
  std::uint32_t native_failed = 0, native_group = 1, native_requirements = 2;
  std::vector<std::uint32_t> native_raw, native_applied;
  std::uint32_t native_output_room = 0;  // outputs the native code writes (with the points total)
  NativeFastPath native_fast;

  // For the public Policy.
  std::string file;
};

/// Every code segment of the policy once (conditions, values, requirements, substitutes, tie-break
/// keys): what the optimizer, register relocation and fusion must all visit.
std::vector<vm::Segment*> all_segments(CompiledPolicy& policy);

/// Builds `policy.fused` from the per-rule segments (after the program's registers are final).
void build_fused_decision(CompiledPolicy& policy);

/// Hash of the fused program and fact layout; native code generated for another policy never attaches.
std::uint64_t fingerprint_fused(const CompiledPolicy& policy);

/// Evaluates rule by rule (one segment at a time), bypassing the fused program: the reference the
/// fused fast path is tested against.
void evaluate_rule_by_rule(const Policy& policy, const Applicant& applicant, Decision& out);

/// Wraps a finished CompiledPolicy in the public, shareable Policy.
std::shared_ptr<const Policy> make_policy(std::unique_ptr<CompiledPolicy> compiled);

}  // namespace admit::internal
