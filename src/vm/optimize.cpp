// Peephole optimisation of the compiled program, run once per policy before registers are
// relocated. The code generator is deliberately simple (every sub-expression gets its own
// temporary, joins go through moves); this pass removes what that costs at run time:
//  - `op t, ...; move d, t` with t read nowhere else  ->  `op d, ...`
//  - `jmp L` where L holds `ret r`                     ->  `ret r`
//  - `jmp L` where L holds `jmp M`                     ->  `jmp M`
//  - a compare whose only reader is the next `jf`/`jt` ->  one fused compare-and-branch
// then compacts the code, remapping jump targets, segment entries and the span table.

#include "vm/optimize.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace admit::internal::vm {
namespace {

constexpr Op kDead = Op::fail;  // marks removed instructions (with unused == 1)

bool is_branch(Op op) {
  return op == Op::jump || op == Op::jump_if_false || op == Op::jump_if_true || is_fused_branch(op) ||
         op == Op::branch_unless_equal_immediate;
}

void for_each_read(const Instr& in, auto&& fn) {
  OperandKinds k = operand_kinds(in.op);
  if (k.b == Operand::reg) fn(in.b);
  if (k.c == Operand::reg) fn(in.c);
}

// Compare opcodes and their fused branch forms: jump to `a` when the comparison of b and c is false / true.
struct Fusion {
  Op compare;
  Op if_false;
  Op if_true;
};
constexpr Fusion kFusions[] = {
    {Op::equal, Op::branch_unless_equal, Op::branch_if_equal},
    {Op::not_equal, Op::branch_if_equal, Op::branch_unless_equal},
    {Op::less, Op::branch_unless_less, Op::branch_if_less},
    {Op::less_equal, Op::branch_unless_less_equal, Op::branch_if_less_equal},
    {Op::greater, Op::branch_if_less_equal, Op::branch_unless_less_equal},
    {Op::greater_equal, Op::branch_if_less, Op::branch_unless_less},
};

// Writes only its destination and cannot fail: safe to delete when the result is unused.
bool is_pure(Op op) {
  switch (op) {
    case Op::move:
    case Op::equal:
    case Op::not_equal:
    case Op::less:
    case Op::less_equal:
    case Op::greater:
    case Op::greater_equal:
    case Op::string_equal:
    case Op::string_not_equal:
    case Op::starts_with:
    case Op::logical_not:
    case Op::minimum:
    case Op::maximum:
    case Op::in_mask:
    case Op::table:
    case Op::years_between:
    case Op::months_between:
    case Op::date_year:
    case Op::date_month:
    case Op::date_day:
    case Op::id_valid:
    case Op::list_length:
    case Op::load_field:
    case Op::set_immediate: return true;
    default: return false;
  }
}

Op invert(Op op) {
  switch (op) {
    case Op::jump_if_false: return Op::jump_if_true;
    case Op::jump_if_true: return Op::jump_if_false;
    case Op::branch_if_equal: return Op::branch_unless_equal;
    case Op::branch_unless_equal: return Op::branch_if_equal;
    case Op::branch_if_less: return Op::branch_unless_less;
    case Op::branch_unless_less: return Op::branch_if_less;
    case Op::branch_if_less_equal: return Op::branch_unless_less_equal;
    case Op::branch_unless_less_equal: return Op::branch_if_less_equal;
    default: return op;
  }
}

}  // namespace

void optimize(Program& program, std::vector<Segment*>& segments, const std::function<bool(std::uint32_t)>& is_temp,
              std::size_t first) {
  auto& code = program.code;
  const std::size_t n = code.size();
  if (n <= first) return;

  // Segment ranges: each segment's code is contiguous and starts at its entry.
  std::vector<std::uint32_t> starts;
  for (const Segment* s : segments)
    if (!s->trivial) starts.push_back(s->entry);
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  std::vector<std::uint32_t> segment_of(n, 0);
  for (std::size_t i = first, s = 0; i < n; ++i) {
    while (s + 1 < starts.size() && starts[s + 1] <= i) ++s;
    segment_of[i] = static_cast<std::uint32_t>(s);
  }

  auto is_segment_start = [&](std::size_t pc) { return std::binary_search(starts.begin(), starts.end(), pc); };
  auto dead = [&](std::size_t pc) { return code[pc].op == kDead && code[pc].unused == 1; };

  std::vector<Instr> before;
  for (int round = 0; round < 8; ++round) {
    // A round is a function of the code alone: once one changes nothing, the rest would not either.
    const auto from = code.begin() + static_cast<std::ptrdiff_t>(first);
    if (round > 0 && std::equal(from, code.end(), before.begin(), [](const Instr& x, const Instr& y) {
          return x.op == y.op && x.unused == y.unused && x.d == y.d && x.a == y.a && x.b == y.b && x.c == y.c;
        }))
      break;
    before.assign(from, code.end());
    std::vector<bool> target(n + 1, false);
    for (std::size_t pc = first; pc < n; ++pc) {
      if (dead(pc) || !is_branch(code[pc].op)) continue;
      std::size_t lands = code[pc].a;  // a removed target: the jump lands on the next live instruction
      while (lands < n && dead(lands)) ++lands;
      target[lands] = true;
    }

    // Reads of each temporary within its segment, counted in a hash map: the fused decision is one
    // segment of the whole policy, and sorting its reads every round dominated compile time.
    std::unordered_map<std::uint64_t, std::uint32_t> reads;
    reads.reserve(n - first);
    for (std::size_t pc = first; pc < n; ++pc) {
      if (dead(pc)) continue;
      for_each_read(code[pc], [&](std::uint32_t r) {
        if (is_temp(r)) ++reads[(std::uint64_t{segment_of[pc]} << 32) | r];
      });
    }
    auto read_count = [&](std::uint32_t segment, std::uint32_t r) -> std::size_t {
      auto it = reads.find((std::uint64_t{segment} << 32) | r);
      return it == reads.end() ? 0 : it->second;
    };
    auto next_live = [&](std::size_t pc) {
      std::size_t j = pc + 1;
      while (j < n && dead(j)) ++j;
      return j;
    };
    // A jump to a removed instruction lands on the next live one, which becomes a target.
    auto kill = [&](std::size_t pc) {
      std::size_t after = next_live(pc);
      if (target[pc]) target[after] = true;
      code[pc] = Instr{};
      code[pc].op = kDead;
      code[pc].unused = 1;
    };

    for (std::size_t pc = first; pc < n; ++pc) {
      if (dead(pc)) continue;
      Instr& in = code[pc];
      OperandKinds k = operand_kinds(in.op);
      std::size_t j = next_live(pc);
      // op t, ...; move d, t  ->  op d, ...
      if (k.a == Operand::reg && j < n && code[j].op == Op::move && code[j].b == in.a && is_temp(in.a) && !target[j] &&
          segment_of[j] == segment_of[pc] && read_count(segment_of[pc], in.a) == 1 && in.op != Op::load_field) {
        in.a = code[j].a;
        kill(j);
        continue;
      }
      // compare t, x, y; jf/jt L, t  ->  fused branch
      if (j < n && (code[j].op == Op::jump_if_false || code[j].op == Op::jump_if_true) && code[j].b == in.a &&
          is_temp(in.a) && !target[j] && read_count(segment_of[pc], in.a) == 1) {
        for (const Fusion& f : kFusions) {
          if (in.op != f.compare) continue;
          Op fused = code[j].op == Op::jump_if_false ? f.if_false : f.if_true;
          in = Instr{fused, 0, 0, code[j].a, in.b, in.c};
          kill(j);
          break;
        }
        continue;
      }
      // move t, x; I(t)  ->  move t, x; I(x)   (the move dies below if t has no other reader)
      if (in.op == Op::move && is_temp(in.a) && j < n && !target[j] && segment_of[j] == segment_of[pc] &&
          in.a != in.b) {
        Instr& user = code[j];
        OperandKinds uk = operand_kinds(user.op);
        bool changed = false;
        if (uk.b == Operand::reg && user.b == in.a) user.b = in.b, changed = true;
        if (uk.c == Operand::reg && user.c == in.a) user.c = in.b, changed = true;
        if (changed) continue;
      }
      // A pure instruction whose temporary result nobody reads.
      if (k.a == Operand::reg && is_temp(in.a) && is_pure(in.op) && read_count(segment_of[pc], in.a) == 0) {
        kill(pc);
        continue;
      }
      // move t, x; ret t  ->  ret x
      if (in.op == Op::move && is_temp(in.a) && j < n && code[j].op == Op::ret && code[j].b == in.a && !target[j] &&
          read_count(segment_of[pc], in.a) == 1) {
        code[j].b = in.b;
        kill(pc);
        continue;
      }
      // branch L1 (to just past the next jump); jmp L2  ->  inverted branch L2
      if ((is_fused_branch(in.op) || in.op == Op::jump_if_false || in.op == Op::jump_if_true) && j < n &&
          code[j].op == Op::jump && !target[j] && next_live(j) == in.a) {
        in.op = invert(in.op);
        in.a = code[j].a;
        kill(j);
        continue;
      }
      // Code after an unconditional transfer is unreachable until the next jump target.
      if ((in.op == Op::ret || in.op == Op::jump) && j < n && !target[j] && segment_of[j] == segment_of[pc] &&
          !is_segment_start(j)) {
        kill(j);
        continue;
      }
      if (in.op == Op::jump) {
        std::size_t t = in.a;
        while (t < n && dead(t)) ++t;
        if (t < n && code[t].op == Op::ret) {
          in = code[t];
        } else if (t < n && code[t].op == Op::jump && code[t].a != pc) {
          in.a = code[t].a;
        } else if (t == next_live(pc)) {
          kill(pc);  // a jump to the next instruction
        } else {
          in.a = static_cast<std::uint32_t>(t);
        }
      }
    }
  }

  // Compact.
  std::vector<std::uint32_t> new_pc(n + 1, 0);
  std::uint32_t out = 0;
  for (std::size_t pc = 0; pc < n; ++pc) {
    new_pc[pc] = out;
    if (!dead(pc)) ++out;
  }
  new_pc[n] = out;
  // A jump to a dead instruction lands on the next live one, which is where new_pc already points.
  std::vector<Instr> compacted;
  std::vector<std::uint32_t> spans;
  compacted.reserve(out);
  spans.reserve(out);
  for (std::size_t pc = 0; pc < n; ++pc) {
    if (dead(pc)) continue;
    Instr in = code[pc];
    if (is_branch(in.op)) in.a = new_pc[in.a];
    compacted.push_back(in);
    spans.push_back(program.spans[pc]);
  }
  code = std::move(compacted);
  program.spans = std::move(spans);
  for (Segment* s : segments)
    if (!s->trivial) s->entry = new_pc[s->entry];

  // Segments that are one comparison run inline in the caller, without entering the interpreter.
  for (Segment* s : segments) {
    if (s->trivial || s->entry + 1 >= program.code.size()) continue;
    const Instr& first = program.code[s->entry];
    const Instr& second = program.code[s->entry + 1];
    bool compare = (first.op >= Op::equal && first.op <= Op::greater_equal) || first.op == Op::in_mask;
    if (compare && second.op == Op::ret && second.b == first.a) {
      s->inline_op = first.op;
      s->inline_b = first.b;
      s->inline_c = first.c;
    }
  }
}

}  // namespace admit::internal::vm
