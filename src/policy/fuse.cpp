// Fusing a policy's rules into one program. Each rule was compiled into its own segment (the
// trace path runs them one by one); the fast path instead runs a single program made of copies
// of those segments, joined by branches, so an evaluation enters the interpreter once.
//
// Copies get fresh temporaries, so that the peephole optimizer (which counts reads per segment)
// can then fuse each copy's result into the branch that consumes it.

#include <algorithm>
#include <unordered_map>

#include "policy/compiled_policy.hpp"
#include "vm/optimize.hpp"

namespace admit::internal {
namespace {

using vm::Instr;
using vm::Op;

class Fuser {
 public:
  explicit Fuser(CompiledPolicy& policy) : p_(policy), prog_(policy.program) {
    temp_base_ = prog_.fact_count + static_cast<std::uint32_t>(prog_.constants.size());
    old_register_count_ = prog_.register_count;
    std::vector<std::uint32_t> entries;
    auto note = [&](const vm::Segment& s) {
      if (!s.trivial) entries.push_back(s.entry);
    };
    for (const auto& c : p_.checks) note(c.condition);
    for (const auto& g : p_.groups) {
      note(g.condition);
      for (const auto& r : g.requirements)
        if (r.condition) note(*r.condition);
    }
    for (const auto& item : p_.points_items) {
      note(item.value);
      if (item.condition) note(*item.condition);
    }
    for (const auto& cert : p_.certificates)
      for (const auto& s : cert.substitutes)
        if (s.condition) note(*s.condition);
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    for (std::size_t i = 0; i < entries.size(); ++i)
      segment_end_[entries[i]] = i + 1 < entries.size() ? entries[i + 1] : static_cast<std::uint32_t>(prog_.code.size());
    next_register_ = old_register_count_;
  }

  void build() {
    FusedDecision& f = p_.fused;
    for (const auto& g : p_.groups)
      if (g.requirements.size() > 64) return;  // the requirement mask is one register
    f.failed = fresh();
    f.group = fresh();
    f.requirements = fresh();
    // Consecutive registers for the raw values: evaluation sums them as one array (as it does
    // native code's outputs); Decision::breakdown() finds each item's `when` flag through `applied`.
    for (std::size_t i = 0; i < p_.points_items.size(); ++i) f.raw.push_back(fresh());
    for (std::uint32_t i = 0; i < p_.points_items.size(); ++i) {
      const bool conditional = p_.points_items[i].condition.has_value();
      f.applied.push_back(conditional ? fresh() : UINT32_MAX);  // unconditional items always apply
    }
    for (const auto& info : p_.points_infos) f.caps.push_back(info.cap ? info.cap->units() : INT64_MAX);
    plan_certificate_bits(f);
    output_end_ = next_register_;

    const auto entry = here();
    emit(Op::set_immediate, f.failed, 0, static_cast<std::uint32_t>(-1));
    std::vector<std::pair<std::uint32_t, std::uint32_t>> fail_jumps;  // (pc, check)
    for (std::uint32_t k = 0; k < p_.checks.size(); ++k) {
      std::uint32_t c = fresh();
      inline_segment(p_.checks[k].condition, c);
      fail_jumps.emplace_back(emit(Op::jump_if_false, 0, c), k);
    }
    std::vector<std::pair<std::uint32_t, std::uint32_t>> group_jumps;
    for (std::uint32_t g = 0; g < p_.groups.size(); ++g) {
      std::uint32_t c = fresh();
      inline_segment(p_.groups[g].condition, c);
      group_jumps.emplace_back(emit(Op::jump_if_true, 0, c), g);
    }
    emit(Op::set_immediate, f.group, 0, static_cast<std::uint32_t>(-1));
    std::vector<std::uint32_t> to_points = {emit(Op::jump, 0)};
    for (auto [pc, g] : group_jumps) {
      patch(pc);
      emit(Op::set_immediate, f.group, 0, g);
      to_points.push_back(emit(Op::jump, 0));
    }
    for (auto pc : to_points) patch(pc);

    for (std::size_t i = 0; i < p_.points_items.size(); ++i) {
      const auto& item = p_.points_items[i];
      std::uint32_t skip = UINT32_MAX;
      if (item.condition) {
        inline_segment(*item.condition, f.applied[i]);
        skip = emit(Op::jump_if_false, 0, f.applied[i]);
      }
      inline_segment(item.value, f.raw[i]);
      if (!item.value_is_decimal) emit(Op::int_to_decimal, f.raw[i], f.raw[i]);
      if (skip != UINT32_MAX) {
        std::uint32_t over = emit(Op::jump, 0);
        patch(skip);
        emit(Op::set_immediate, f.raw[i], 0, 0);
        patch(over);
      }
    }

    emit(Op::set_immediate, f.requirements, 0, 0);
    std::vector<std::uint32_t> to_done;
    for (std::uint32_t g = 0; g < p_.groups.size(); ++g) {
      const auto& reqs = p_.groups[g].requirements;
      bool conditional = std::any_of(reqs.begin(), reqs.end(), [](const Requirement& r) { return r.condition.has_value(); });
      if (!conditional) continue;
      std::uint32_t next_group = emit(Op::branch_unless_equal_immediate, 0, f.group, g);
      for (std::uint32_t j = 0; j < reqs.size(); ++j) {
        if (!reqs[j].condition) continue;
        std::uint32_t c = fresh();
        inline_segment(*reqs[j].condition, c);
        std::uint32_t skip = emit(Op::jump_if_false, 0, c);
        emit(Op::set_bit, f.requirements, 0, f.certificate_bits ? reqs[j].certificate : j);
        patch(skip);
      }
      to_done.push_back(emit(Op::jump, 0));
      patch(next_group);
    }
    for (auto pc : to_done) patch(pc);
    emit(Op::ret, 0, f.group);
    for (auto [pc, k] : fail_jumps) {
      patch(pc);
      emit(Op::set_immediate, f.failed, 0, k);
      emit(Op::ret, 0, f.failed);
    }

    f.segment.entry = entry;
    prog_.register_count = next_register_;
    std::vector<vm::Segment*> segments = all_segments(p_);
    segments.push_back(&f.segment);
    const std::uint32_t temp_base = temp_base_, old_end = old_register_count_, fresh_begin = output_end_;
    // Only the fused code: the rules' own segments before it were optimized when they were compiled.
    vm::optimize(
        prog_, segments, [=](std::uint32_t r) { return (r >= temp_base && r < old_end) || r >= fresh_begin; }, entry);
    f.available = true;
  }

 private:
  // Certificate bits (see FusedDecision::certificate_bits): possible when there are at most 64
  // certificates and each group requires distinct ones in ascending order, so that walking the set
  // bits of a mask yields the requirements in the policy's order.
  void plan_certificate_bits(FusedDecision& f) {
    f.certificate_bits = p_.certificate_infos.size() <= 64;
    for (const auto& g : p_.groups) {
      std::int64_t previous = -1;
      for (const auto& r : g.requirements) {
        if (static_cast<std::int64_t>(r.certificate) <= previous) f.certificate_bits = false;
        previous = r.certificate;
      }
    }
    if (!f.certificate_bits) return;
    for (const auto& g : p_.groups) {
      std::uint64_t bits = 0;
      for (const auto& r : g.requirements)
        if (!r.condition) bits |= std::uint64_t{1} << r.certificate;
      f.group_certificates.push_back(bits);
    }
    for (std::size_t c = 0; c < p_.certificates.size(); ++c)
      if (!p_.certificates[c].substitutes.empty()) f.substitutable |= std::uint64_t{1} << c;
  }

  std::uint32_t fresh() { return next_register_++; }
  std::uint32_t here() const { return static_cast<std::uint32_t>(prog_.code.size()); }
  std::uint32_t emit(Op op, std::uint32_t a, std::uint32_t b = 0, std::uint32_t c = 0, std::uint32_t span = 0) {
    prog_.code.push_back(Instr{op, 0, 0, a, b, c});
    prog_.spans.push_back(span);
    return here() - 1;
  }
  void patch(std::uint32_t pc) { prog_.code[pc].a = here(); }

  // Copies a rule's segment so that its result lands in `dest`.
  void inline_segment(const vm::Segment& s, std::uint32_t dest) {
    if (s.trivial) {
      emit(Op::move, dest, s.result_register);
      return;
    }
    const std::uint32_t begin = s.entry, end = segment_end_.at(s.entry);
    const std::uint32_t copy_base = here();
    const std::uint32_t rename_base = next_register_;
    std::uint32_t highest = 0;
    auto rename = [&](std::uint32_t r) {
      if (r < temp_base_ || r >= old_register_count_) return r;
      highest = std::max(highest, r - temp_base_ + 1);
      return rename_base + (r - temp_base_);
    };
    // A `ret` becomes two instructions (move, jump), so map every pc to its copy first.
    std::vector<std::uint32_t> copied_pc(end - begin + 1);
    std::uint32_t next = copy_base;
    for (std::uint32_t pc = begin; pc < end; ++pc) {
      copied_pc[pc - begin] = next;
      next += prog_.code[pc].op == Op::ret ? 2 : 1;
    }
    copied_pc[end - begin] = next;
    std::vector<std::uint32_t> exits;
    for (std::uint32_t pc = begin; pc < end; ++pc) {
      Instr in = prog_.code[pc];
      std::uint32_t span = prog_.spans[pc];
      vm::OperandKinds k = vm::operand_kinds(in.op);
      if (k.a == vm::Operand::reg) in.a = rename(in.a);
      if (k.b == vm::Operand::reg) in.b = rename(in.b);
      if (k.c == vm::Operand::reg) in.c = rename(in.c);
      if (k.a == vm::Operand::pc) in.a = copied_pc[in.a - begin];
      if (in.op == Op::ret) {
        emit(Op::move, dest, in.b, 0, span);
        exits.push_back(emit(Op::jump, 0));
        continue;
      }
      prog_.code.push_back(in);
      prog_.spans.push_back(span);
    }
    for (auto pc : exits) patch(pc);
    next_register_ = rename_base + highest;
  }

  CompiledPolicy& p_;
  vm::Program& prog_;
  std::uint32_t temp_base_ = 0;
  std::uint32_t old_register_count_ = 0;
  std::uint32_t next_register_ = 0;
  std::uint32_t output_end_ = 0;
  std::unordered_map<std::uint32_t, std::uint32_t> segment_end_;
};

}  // namespace

void build_fused_decision(CompiledPolicy& policy) { Fuser(policy).build(); }

}  // namespace admit::internal
