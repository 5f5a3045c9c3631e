// admit_batch_memory: the memory of a population held in memory (issue #5: "peak resident memory
// for a 1-million-applicant batch"). Binds every record of a JSON Lines file into one
// ApplicantBatch, evaluates each applicant once (into one reused Decision, so that the figure is the
// batch's and not the decisions'), and prints the batch's heap bytes and the process's peak RSS.
//
//     admit_batch_memory POLICY RECORDS.jsonl
#include <malloc.h>
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "admit/applicant_batch.hpp"
#include "admit/decision.hpp"
#include "admit/diagnostic.hpp"
#include "admit/policy.hpp"

namespace {
// Bytes allocated from the heap: small chunks plus separately mapped blocks (the batch's slots).
std::size_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fputs("usage: admit_batch_memory POLICY RECORDS.jsonl\n", stderr);
    return 2;
  }
  admit::CompileResult compiled = admit::compile_file(argv[1]);
  if (!compiled.ok()) {
    std::fputs(admit::render_text(compiled.diagnostics).c_str(), stderr);
    return 1;
  }
  const admit::Policy& policy = *compiled.policy;
  std::ifstream in(argv[2], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[2]);
    return 1;
  }
  // Room for every record first, as a caller who knows the population's size does: the figure is
  // then the batch's, not that of a vector growing by doubling.
  std::size_t records = 0;
  for (std::string line; std::getline(in, line);) records += !line.empty();
  in.clear();
  in.seekg(0);
  const std::size_t heap_before = heap_in_use();
  admit::ApplicantBatch batch(policy);
  batch.reserve(records);
  std::string line;
  std::size_t line_number = 0, rejected = 0;
  admit::BindError error;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    if (!batch.append_json(line, &error)) {
      if (++rejected <= 3) std::fprintf(stderr, "line %zu: %s: %s\n", line_number, error.field.c_str(), error.message.c_str());
    }
  }
  const std::size_t heap_after = heap_in_use();
  admit::Decision decision;
  std::size_t eligible = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    policy.evaluate(batch, i, decision);
    eligible += decision.eligible();
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double heap_mb = static_cast<double>(heap_after - heap_before) / 1e6;
  std::printf("batch of %zu applicants (%zu rejected, %zu eligible): %.1f MB of heap (%.0f bytes per applicant), "
              "peak RSS %.1f MB\n",
              batch.size(), rejected, eligible, heap_mb,
              batch.size() ? static_cast<double>(heap_after - heap_before) / static_cast<double>(batch.size()) : 0.0,
              static_cast<double>(usage.ru_maxrss) / 1024.0);
  return rejected == 0 ? 0 : 1;
}
