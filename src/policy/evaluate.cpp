// Evaluating one applicant: eligibility, group, points, certificates. The hot path copies the
// applicant's slots into the decision's register file and runs precompiled segments; it looks
// nothing up by name and, once the decision's vectors have grown, allocates nothing.

#include <bit>
#include <cstring>
#include <fmt/format.h>

#include "admit/applicant.hpp"
#include "admit/applicant_batch.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "admit/resident_id.hpp"
#include "policy/applicant_storage.hpp"
#include "policy/compiled_policy.hpp"
#include "vm/ops.hpp"

namespace admit {

using internal::CompiledPolicy;
using internal::TypeKind;
namespace vm = internal::vm;

static_assert(static_cast<unsigned>(CertificateStatus::verified) == 0 && static_cast<unsigned>(CertificateStatus::submitted) == 1 &&
              static_cast<unsigned>(CertificateStatus::missing) == 3);

struct DecisionWriter {
  const CompiledPolicy& p;
  const Policy& policy;
  ApplicantView applicant;
  Decision& d;
  bool tracing;
  std::int64_t* registers = nullptr;

  // Resets the decision's answer fields.
  void reset() {
    d.policy_ = &policy;
    d.error_.clear();
    d.eligible_ = true;
    d.failed_check_ = UINT32_MAX;
    d.group_ = UINT32_MAX;
    d.points_ = Decimal{};
    d.points_uncapped_ = Decimal{};
    d.lines_source_ = Decision::Lines::stored;
    d.certificate_bits_ = false;
    d.certificates_count_ = 0;
    d.sort_key_count_ = 0;
    if (!d.trace_.empty()) d.trace_.clear();
  }

  void prepare() {
    prepare_registers();
    reset();
  }

  // The interpreter's register file: constants (once per decision and policy) and the facts.
  void prepare_registers() {
    auto& scratch = d.scratch_;
    const vm::Program& program = p.program;
    if (scratch.bound_serial != program.serial || scratch.registers.size() != program.register_count) {
      scratch.registers.assign(program.register_count, 0);
      std::copy(program.constants.begin(), program.constants.end(), scratch.registers.begin() + program.fact_count);
      scratch.bound_serial = program.serial;
    }
    registers = scratch.registers.data();
    if (p.slot_count) std::memcpy(registers, applicant.slots, p.slot_count * sizeof(std::int64_t));
  }

  // Runs a segment; on a run-time error records it and returns false.
  bool run(const vm::Segment& segment, std::string_view what, std::int64_t& out) {
    if (!registers) prepare_registers();  // after native code: set up only when a rule must run
    vm::RunResult r = vm::run_segment(p.program, segment, registers);
    if (r.error == vm::ErrorCode::none) [[likely]] {
      out = r.value;
      return true;
    }
    d.error_ = fmt::format("{} in {} ({})", vm::describe(r.error), what, location(p.program.spans[r.error_pc]));
    return false;
  }

  std::string location(std::size_t offset) const {
    auto pos = p.source->position_of(offset);
    return fmt::format("{}:{}:{}", p.source->file_at(offset).name, pos.line, pos.column);
  }

  std::string format_slot(const internal::FactDef& f, std::int64_t v) const {
    switch (f.type.kind) {
      case TypeKind::boolean: return v ? "true" : "false";
      case TypeKind::integer: return std::to_string(v);
      case TypeKind::decimal: return Decimal::from_units(v).to_string();
      case TypeKind::date: return Date::from_days(static_cast<std::int32_t>(v)).to_string();
      case TypeKind::enumeration: return p.enums[f.type.id].values[static_cast<std::size_t>(v)];
      case TypeKind::string: {
        std::string_view s = vm::as_string(v);
        return f.type.resident_id ? mask_resident_id(s) : fmt::format("\"{}\"", s);
      }
      default: return "?";
    }
  }

  std::string values_seen(const vm::Segment& segment) const {
    std::string out;
    for (std::uint32_t slot : segment.facts_read) {
      if (slot >= p.facts.size()) continue;
      const auto& f = p.facts[slot];
      if (!out.empty()) out += ", ";
      out += f.path + " = " + format_slot(f, registers[slot]);
    }
    return out;
  }

  void trace(TraceKind kind, std::uint32_t index, bool result, std::string subject, const vm::Segment* segment,
             const std::string& expression, std::size_t offset, Decimal value = {}) {
    TraceEntry e;
    e.kind = kind;
    e.index = index;
    e.result = result;
    e.value = value;
    e.subject = std::move(subject);
    e.expression = expression;
    e.location = location(offset);
    if (segment) e.values_seen = values_seen(*segment);
    d.trace_.push_back(std::move(e));
  }

  // The fast path: one run of the fused program, then the decision is read off its registers.
  // Returns false when the slow path must run (a run-time error, whose message it reports).
  bool evaluate_fused() {
    const internal::FusedDecision& f = p.fused;
    const std::size_t items = f.caps.size();
    const std::int64_t* results;
    // Where the outputs are: failed check, group, requirements, the first raw value (the raw values
    // are consecutive).
    std::uint32_t failed_at, group_at, requirements_at, raw_at = 0, total_at = UINT32_MAX;
    Decision::Lines lines_source;
    if (p.native) {
      // Native code reads the applicant's slots in place and writes only its outputs; the register
      // file is set up later only if a substitute's condition has to run.
      reset();
      auto& outputs = d.scratch_.native_outputs;
      if (outputs.size() < p.native_output_room) [[unlikely]]
        outputs.resize(p.native_output_room);
      registers = nullptr;
      results = outputs.data();
      if (!p.native->run(applicant.slots, outputs.data())) [[unlikely]]
        return false;
      failed_at = p.native_failed;
      group_at = p.native_group;
      requirements_at = p.native_requirements;
      total_at = p.native->points_total;
      if (items != 0) raw_at = p.native_raw[0];
      lines_source = Decision::Lines::native_outputs;
    } else {
      prepare();
      results = registers;
      vm::RunResult r = vm::run(p.program, f.segment, registers);
      if (r.error != vm::ErrorCode::none) [[unlikely]]
        return false;
      failed_at = f.failed;
      group_at = f.group;
      requirements_at = f.requirements;
      if (items != 0) raw_at = f.raw[0];
      lines_source = Decision::Lines::registers;
    }
    const std::int64_t failed = results[failed_at];
    if (failed >= 0) {
      d.eligible_ = false;
      d.failed_check_ = static_cast<std::uint32_t>(failed);
      d.breakdown_count_ = 0;
      return true;
    }
    const std::int64_t group = results[group_at];
    const std::uint32_t g = group < 0 ? UINT32_MAX : static_cast<std::uint32_t>(group);
    d.group_ = g;

    // Points: only the total is computed here (or by native code); the lines stay in the outputs,
    // which Decision::breakdown() decodes when read.
    std::int64_t total = 0;
    if (total_at != UINT32_MAX) {
      total = results[total_at];
    } else {
      const std::int64_t* __restrict caps = f.caps.data();
      const std::int64_t* __restrict raw = results + raw_at;
      bool overflow = false;
      for (std::size_t i = 0; i < items; ++i) {
        const std::int64_t value = raw[i] < caps[i] ? raw[i] : caps[i];
        overflow |= __builtin_add_overflow(total, value, &total);
      }
      if (overflow) [[unlikely]]
        return false;  // the slow path words the error
    }
    d.lines_source_ = lines_source;
    d.breakdown_count_ = items;
    const Decimal uncapped = Decimal::from_units(total);
    d.points_uncapped_ = uncapped;
    d.points_ = p.points_cap && *p.points_cap < uncapped ? *p.points_cap : uncapped;

    if (g == UINT32_MAX) return true;
    const std::uint64_t applies = static_cast<std::uint64_t>(results[requirements_at]);
    if (f.certificate_bits) [[likely]]
      return certificates_from_bits(f.group_certificates[g] | applies);
    const auto& group_def = p.groups[g];
    const std::size_t count = group_def.requirements.size();
    for (std::uint32_t j = 0; j < count; ++j) {
      const auto& req = group_def.requirements[j];
      if (req.condition && !((applies >> j) & 1u)) continue;
      if (!certificate_status(req.certificate)) return false;
    }
    return true;
  }

  // The fast path with native code that sums the points itself and certificates as bits (the
  // usual case: see NativeFastPath), in one piece, inlined into Policy::evaluate: the generated
  // function, then a few stores. Returns false when the general path must run.
  [[gnu::always_inline]] static inline bool evaluate_native(const CompiledPolicy& p, const Policy& policy,
                                                            ApplicantView applicant, Decision& d) {
    const internal::NativeFastPath& n = p.native_fast;
    auto& outputs = d.scratch_.native_outputs;
    if (outputs.size() < n.room) [[unlikely]]
      outputs.resize(n.room);
    const std::int64_t* out = outputs.data();
    if (!n.run(applicant.slots, outputs.data())) [[unlikely]]
      return false;
    d.policy_ = &policy;
    if (!d.error_.empty()) [[unlikely]]
      d.error_.clear();
    if (!d.trace_.empty()) [[unlikely]]
      d.trace_.clear();
    d.sort_key_count_ = 0;
    d.lines_source_ = Decision::Lines::native_outputs;
    d.certificate_bits_ = true;
    d.required_bits_ = 0;
    const std::int64_t failed = out[0];
    if (failed >= 0) {
      d.eligible_ = false;
      d.failed_check_ = static_cast<std::uint32_t>(failed);
      d.group_ = UINT32_MAX;
      d.points_ = d.points_uncapped_ = Decimal{};
      d.breakdown_count_ = 0;
      return true;
    }
    d.eligible_ = true;
    d.failed_check_ = UINT32_MAX;
    const std::int64_t total = out[n.total];
    d.points_uncapped_ = Decimal::from_units(total);
    d.points_ = Decimal::from_units(total < n.points_cap ? total : n.points_cap);
    d.breakdown_count_ = n.items;
    const std::int64_t group = out[1];
    if (group < 0) {
      d.group_ = UINT32_MAX;
      return true;
    }
    d.group_ = static_cast<std::uint32_t>(group);
    const std::uint64_t required = n.group_certificates[group] | static_cast<std::uint64_t>(out[2]);
    if (required == 0) return true;  // (also: a policy without certificates has no bit words)
    const std::uint64_t verified = applicant.verified[0], submitted = applicant.submitted[0];
    d.required_bits_ = required;
    d.verified_bits_ = verified;
    d.submitted_bits_ = submitted;
    if (required & ~(verified | submitted) & n.substitutable) [[unlikely]]
      return DecisionWriter{p, policy, applicant, d, false}.statuses_one_by_one(required);
    return true;
  }

  // A required certificate is missing and has substitutes: the statuses one by one (substitute
  // conditions run on the interpreter).
  [[gnu::noinline]] bool statuses_one_by_one(std::uint64_t required) {
    d.certificate_bits_ = false;
    d.certificates_count_ = 0;
    for (std::uint64_t bits = required; bits != 0; bits &= bits - 1)
      if (!certificate_status(static_cast<std::uint32_t>(std::countr_zero(bits)))) return false;
    return true;
  }

  // Everything but the native fast path: the fused program, else rule by rule (which words
  // run-time errors); then the sort key.
  [[gnu::noinline]] static void evaluate_general(const CompiledPolicy& p, const Policy& policy, ApplicantView applicant,
                                                 Decision& d) {
    DecisionWriter w{p, policy, applicant, d, false};
    if (!p.fused.available || !w.evaluate_fused()) w.evaluate();
    if (p.sort_key_length && d.ok()) w.sort_key();
  }

  // The required certificates (`required`: certificate bits, ascending = the policy's requirement
  // order) as three bit sets; certificates() decodes each status (verified, else submitted, else
  // missing) when read. A missing certificate that has substitutes takes the general path, which
  // runs their conditions.
  bool certificates_from_bits(std::uint64_t required) {
    if (required == 0) return true;  // (also: a policy without certificates has no bit words)
    const std::uint64_t verified = applicant.verified[0], submitted = applicant.submitted[0];
    if (required & ~(verified | submitted) & p.fused.substitutable) [[unlikely]] {
      for (std::uint64_t bits = required; bits != 0; bits &= bits - 1)
        if (!certificate_status(static_cast<std::uint32_t>(std::countr_zero(bits)))) return false;
      return true;
    }
    d.certificate_bits_ = true;
    d.required_bits_ = required;
    d.verified_bits_ = verified;
    d.submitted_bits_ = submitted;
    return true;
  }

  void evaluate() {
    prepare();
    d.breakdown_count_ = 0;
    std::int64_t v = 0;
    for (std::uint32_t i = 0; i < p.checks.size(); ++i) {
      const auto& check = p.checks[i];
      if (!run(check.condition, "eligibility check", v)) return;
      if (tracing)
        trace(TraceKind::eligibility, i, v != 0, fmt::format("eligibility check {}", p.check_infos[i].id), &check.condition,
              check.expression, check.offset);
      if (!v) {
        d.eligible_ = false;
        d.failed_check_ = i;
        return;
      }
    }
    for (std::uint32_t i = 0; i < p.groups.size(); ++i) {
      const auto& group = p.groups[i];
      if (!run(group.condition, "group condition", v)) return;
      if (tracing)
        trace(TraceKind::group, i, v != 0, fmt::format("group {} ({})", p.group_infos[i].id, p.group_infos[i].label),
              &group.condition, group.expression, group.offset);
      if (v) {
        d.group_ = i;
        break;
      }
    }
    if (!points()) return;
    if (d.group_ != UINT32_MAX) certificates(p.groups[d.group_]);
  }

  bool points() {
    std::int64_t total = 0;
    for (std::uint32_t i = 0; i < p.points_items.size(); ++i) {
      const auto& item = p.points_items[i];
      const auto& info = p.points_infos[i];
      PointsLine line;
      line.item = i;
      std::int64_t applies = 1;
      if (item.condition && !run(*item.condition, "points condition", applies)) return false;
      if (applies) {
        std::int64_t raw = 0;
        if (!run(item.value, "points item", raw)) return false;
        if (!item.value_is_decimal && vm::op_int_to_decimal(raw, raw) != vm::ErrorCode::none) {
          d.error_ = fmt::format("arithmetic overflow in points item {}", info.id);
          return false;
        }
        line.raw = Decimal::from_units(raw);
        line.value = info.cap && *info.cap < line.raw ? *info.cap : line.raw;
      } else {
        line.applied = false;
      }
      if (vm::op_add(total, line.value.units(), total) != vm::ErrorCode::none) {
        d.error_ = "arithmetic overflow in the points total";
        return false;
      }
      if (tracing)
        trace(TraceKind::points, i, applies != 0, fmt::format("points {} ({})", info.id, info.label), &item.value,
              item.expression, item.offset, line.value);
      if (d.breakdown_.size() <= d.breakdown_count_) d.breakdown_.resize(d.breakdown_count_ + 1);
      d.breakdown_[d.breakdown_count_++] = line;
    }
    d.points_uncapped_ = Decimal::from_units(total);
    d.points_ = p.points_cap && *p.points_cap < d.points_uncapped_ ? *p.points_cap : d.points_uncapped_;
    return true;
  }

  // The rank, then the group's tie-break values (descending ones negated), padded with zeros.
  void sort_key() {
    const std::size_t length = p.sort_key_length;
    if (d.sort_key_.size() < length) d.sort_key_.resize(length);
    d.sort_key_count_ = length;
    std::int64_t* key = d.sort_key_.data();
    std::fill_n(key, length, std::int64_t{0});
    const auto groups = static_cast<std::int64_t>(p.groups.size());
    if (!d.eligible_) {
      key[0] = groups + 2;
      return;
    }
    key[0] = d.group_ == UINT32_MAX ? groups + 1 : static_cast<std::int64_t>(d.group_) + 1;
    const auto& keys = p.tie_breaks[d.group_ == UINT32_MAX ? p.groups.size() : d.group_];
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const internal::TieBreakDef& def = p.tie_break_keys[keys[i]];
      std::int64_t v = d.points_.units();
      if (def.item != UINT32_MAX) v = def.item < d.breakdown_count_ ? d.breakdown()[def.item].value.units() : 0;
      if (def.key && !run(*def.key, "tie-break key", v)) return;
      // Values are dates, enum indexes, ints and decimals well inside int64: negation is exact.
      key[i + 1] = def.descending ? -v : v;
    }
  }

  bool has(std::uint32_t cert) const { return applicant.is_verified(cert) || applicant.is_submitted(cert); }

  void certificates(const internal::GroupDef& group) {
    std::int64_t v = 0;
    for (const auto& req : group.requirements) {
      if (req.condition) {
        if (!run(*req.condition, "requirement condition", v)) return;
        if (tracing) {
          const auto& info = p.certificate_infos[req.certificate];
          trace(TraceKind::requirement, req.certificate, v != 0, fmt::format("requirement {} ({})", info.id, info.label),
                &*req.condition, req.expression, req.offset);
        }
        if (!v) continue;
      }
      if (!certificate_status(req.certificate)) return;
    }
  }

  void append_certificate(const RequiredCertificate& rc) {
    if (d.certificates_.size() <= d.certificates_count_) d.certificates_.resize(d.certificates_count_ + 1);
    d.certificates_[d.certificates_count_++] = rc;
  }

  // Appends the status of one required certificate; false on a run-time error.
  bool certificate_status(std::uint32_t certificate) {
    if (applicant.is_verified(certificate)) [[likely]] {
      append_certificate(RequiredCertificate{certificate, CertificateStatus::verified, UINT32_MAX});
      return true;
    }
    RequiredCertificate rc;
    rc.certificate = certificate;
    if (applicant.is_verified(certificate)) {
      rc.status = CertificateStatus::verified;
    } else if (applicant.is_submitted(certificate)) {
      rc.status = CertificateStatus::submitted;
    } else {
      const auto& subs = p.certificates[certificate].substitutes;
      for (std::uint32_t s = 0; s < subs.size(); ++s) {
        bool all = true;
        for (std::uint32_t c : subs[s].all_of) all = all && has(c);
        if (!all) continue;
        if (subs[s].condition) {
          std::int64_t v = 0;
          if (!run(*subs[s].condition, "substitute condition", v)) return false;
          if (tracing)
            trace(TraceKind::substitute, certificate, v != 0,
                  fmt::format("substitute {} for {}", subs[s].id, p.certificate_infos[certificate].id), &*subs[s].condition,
                  subs[s].expression, subs[s].offset);
          if (!v) continue;
        }
        rc.status = CertificateStatus::substituted;
        rc.substitute = s;
        break;
      }
    }
    append_certificate(rc);
    return true;
  }
};

void Policy::evaluate(const Applicant& applicant, Decision& out) const {
  const internal::CompiledPolicy& p = *impl_;
  const ApplicantView view = applicant.storage().view();
  if (p.native_fast.run && DecisionWriter::evaluate_native(p, *this, view, out)) [[likely]] {
    if (p.sort_key_length) DecisionWriter{p, *this, view, out, false}.sort_key();
    return;
  }
  DecisionWriter::evaluate_general(p, *this, view, out);
}

void Policy::evaluate(const ApplicantBatch& batch, std::size_t index, Decision& out) const {
  const internal::CompiledPolicy& p = *impl_;
  const ApplicantView view = batch_view(batch, index);
  if (p.native_fast.run && DecisionWriter::evaluate_native(p, *this, view, out)) [[likely]] {
    if (p.sort_key_length) DecisionWriter{p, *this, view, out, false}.sort_key();
    return;
  }
  DecisionWriter::evaluate_general(p, *this, view, out);
}

namespace internal {
void evaluate_rule_by_rule(const Policy& policy, const Applicant& applicant, Decision& out) {
  DecisionWriter w{policy.compiled(), policy, applicant.storage().view(), out, false};
  w.evaluate();
  if (policy.compiled().sort_key_length && out.ok()) w.sort_key();
}
}  // namespace internal

void Policy::evaluate_with_trace(const Applicant& applicant, Decision& out) const {
  DecisionWriter w{*impl_, *this, applicant.storage().view(), out, true};
  w.evaluate();
  if (impl_->sort_key_length && out.ok()) w.sort_key();
}

// --- Decision accessors ---------------------------------------------------------------------

std::string_view to_string(CertificateStatus s) noexcept {
  switch (s) {
    case CertificateStatus::verified: return "verified";
    case CertificateStatus::submitted: return "submitted";
    case CertificateStatus::substituted: return "substituted";
    case CertificateStatus::missing: return "missing";
  }
  return "?";
}

std::string_view Decision::group_id() const noexcept {
  if (!policy_) return {};
  if (!eligible_ && failed_check_ != UINT32_MAX) return policy_->eligibility_checks()[failed_check_].id;
  if (group_ == UINT32_MAX) return {};
  return policy_->groups()[group_].id;
}

std::string_view Decision::group_label() const noexcept {
  if (!policy_) return {};
  if (!eligible_ && failed_check_ != UINT32_MAX) return policy_->eligibility_checks()[failed_check_].label;
  if (group_ == UINT32_MAX) return {};
  return policy_->groups()[group_].label;
}

std::string Decision::sort_key_text(std::size_t i) const {
  if (i >= sort_key_count_ || !policy_) return {};
  const std::int64_t raw = sort_key_[i];
  if (i == 0) return std::to_string(raw);
  const auto& keys = policy_->tie_break(eligible_ ? group_ : UINT32_MAX);
  if (!eligible_ || i - 1 >= keys.size()) return std::to_string(raw);
  const TieBreakInfo& key = keys[i - 1];
  const std::int64_t v = key.descending ? -raw : raw;
  switch (key.type) {
    case FactType::boolean: return v ? "true" : "false";
    case FactType::decimal: return Decimal::from_units(v).to_string();
    case FactType::date: return Date::from_days(static_cast<std::int32_t>(v)).to_string();
    case FactType::enumeration:
      return v >= 0 && static_cast<std::size_t>(v) < key.values.size() ? key.values[static_cast<std::size_t>(v)]
                                                                        : std::to_string(v);
    default: return std::to_string(v);
  }
}

PointsLines Decision::breakdown() const noexcept {
  PointsLines lines;
  lines.count_ = breakdown_count_;
  if (lines_source_ == Lines::stored || breakdown_count_ == 0) {
    lines.lines_ = breakdown_.data();
    return lines;
  }
  const internal::CompiledPolicy& p = policy_->compiled();
  const bool native = lines_source_ == Lines::native_outputs;
  lines.results_ = native ? scratch_.native_outputs.data() : scratch_.registers.data();
  lines.raw_ = lines.results_ + (native ? p.native_raw[0] : p.fused.raw[0]);
  lines.applied_at_ = native ? p.native_applied.data() : p.fused.applied.data();
  lines.caps_ = p.fused.caps.data();
  return lines;
}

std::size_t Decision::missing_count() const noexcept {
  if (certificate_bits_) return static_cast<std::size_t>(std::popcount(required_bits_ & ~(verified_bits_ | submitted_bits_)));
  std::size_t n = 0;
  for (const auto& c : certificates()) n += c.status == CertificateStatus::missing;
  return n;
}

std::vector<std::string> Decision::missing_ids() const {
  std::vector<std::string> ids;
  if (!policy_) return ids;
  for (const auto& c : certificates())
    if (c.status == CertificateStatus::missing) ids.push_back(policy_->certificates()[c.certificate].id);
  return ids;
}

}  // namespace admit
