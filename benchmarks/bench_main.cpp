// admit_bench: the in-process figures of issue #5 on rules/examples/benchmark-county.yaml.
//
//   evaluate/compiled        ns per decision, one thread, Policy::evaluate into a reused Decision,
//                            over a pre-bound population (100 000 applicants by default)
//   evaluate/handwritten     the same population converted once to benchmarks/handwritten.hpp structs
//   evaluate/native          the policy compiled with its generated C++ (CompileOptions::native)
//   evaluate/*_hot           the first 64 applicants only (all in cache): interpretation cost alone
//   batch/*/threads:1|2      decisions per second, the population split among threads
//   compile/<file>           compile time of every policy under rules/ and examples/ (no tests),
//   compile+tests/<file>     and with its sibling *.test.yaml, as `admit test` / `admit eval` pay it
// Before running, it checks that both evaluators agree on every applicant, and prints the heap
// bytes a compiled policy and a bound applicant keep (glibc mallinfo2, before/after). After running,
// a summary with the ratio compiled / hand-written (medians when --benchmark_repetitions is given).
//
// Environment: ADMIT_BENCH_POPULATION (default 100000), ADMIT_BENCH_SEED (42),
// ADMIT_BENCH_PROFILE (default benchmarks/profiles/benchmark-county.yaml); ADMIT_BENCH_CALLGRIND
// and ADMIT_BENCH_PASSES for instruction counts (see main).
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "admit/applicant.hpp"
#include "admit/applicant_batch.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "admit/synth.hpp"
#include "handwritten.hpp"

// Generated at build time by admit_bench_emit (admit::emit_cpp): the native back end.
#if __has_include("benchmark_county_native.hpp")
#include "admit/native.hpp"
#include "benchmark_county_native.hpp"
#define ADMIT_BENCH_NATIVE 1
#endif

namespace {

namespace fs = std::filesystem;

const std::string kRoot = ADMIT_SOURCE_DIR;

std::string env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Bytes allocated from the heap: small chunks, plus the blocks glibc maps separately (a large
// vector, such as a population's slots, is one of those and is not in uordblks).
std::size_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

struct Population {
  std::shared_ptr<const admit::Policy> policy;
  // The population is pre-bound in ApplicantBatch form: one contiguous array of slots, the layout
  // the library offers for populations already in memory.
  std::unique_ptr<admit::ApplicantBatch> applicants;
  std::shared_ptr<const admit::Policy> native_policy;          // null without the generated header
  std::unique_ptr<admit::ApplicantBatch> native_applicants;    // the same records, bound to native_policy
  std::vector<bench::HwApplicant> handwritten;
  std::size_t bytes_per_applicant = 0;
};

Population* g_population = nullptr;

bool same(const admit::Decision& d, const bench::HwDecision& h) {
  if (d.group_id() != bench::kGroupIds[h.group]) return false;
  if (d.points().units() != h.points_units) return false;
  std::size_t k = 0;
  const auto& certificates = d.policy()->certificates();
  for (const admit::RequiredCertificate& c : d.certificates()) {
    if (c.status != admit::CertificateStatus::missing) continue;
    if (k >= h.missing_count || certificates[c.certificate].id != bench::kCertificateIds[h.missing[k]]) return false;
    ++k;
  }
  return k == h.missing_count;
}

int build_population() {
  const std::string policy_path = kRoot + "/rules/examples/benchmark-county.yaml";
  admit::CompileResult compiled = admit::compile_file(policy_path);
  if (!compiled.ok()) {
    std::fputs(admit::render_text(compiled.diagnostics).c_str(), stderr);
    return 1;
  }
  const std::string profile_path = env("ADMIT_BENCH_PROFILE", kRoot + "/benchmarks/profiles/benchmark-county.yaml");
  admit::SynthResult synth = admit::make_synthesizer(compiled.policy, read_file(profile_path), profile_path);
  if (!synth.ok()) {
    std::fputs(admit::render_text(synth.diagnostics).c_str(), stderr);
    return 1;
  }
  const auto count = std::stoull(env("ADMIT_BENCH_POPULATION", "100000"));
  const auto seed = std::stoull(env("ADMIT_BENCH_SEED", "42"));

  auto* pop = new Population;
  pop->policy = compiled.policy;
  // From here on, what the populations take: their reserved rows and ids count too (the native
  // policy's own tables, a few kilobytes, are lost in the per-applicant figure).
  const std::size_t before = heap_in_use();
#ifdef ADMIT_BENCH_NATIVE
  {
    admit::CompileOptions options;
    options.native = &benchmark_county_native::native_program;
    admit::CompileResult native = admit::compile_file(policy_path, options);
    if (native.ok() && native.policy->uses_native_code()) {
      pop->native_policy = native.policy;
      pop->native_applicants = std::make_unique<admit::ApplicantBatch>(*native.policy);
      pop->native_applicants->reserve(count);
    } else {
      std::printf("native: the generated header does not match the policy; evaluate/native skipped\n");
    }
  }
#endif
  pop->applicants = std::make_unique<admit::ApplicantBatch>(*pop->policy);
  pop->applicants->reserve(count);
  pop->handwritten.resize(count);
  std::string line;
  admit::BindError error;
  for (std::uint64_t i = 0; i < count; ++i) {
    line.clear();
    synth.synthesizer->append_record(seed, i, line);
    line.pop_back();  // '\n'
    if (!pop->applicants->append_json(line, &error)) {
      std::fprintf(stderr, "record %llu does not bind: %s\n", static_cast<unsigned long long>(i), error.message.c_str());
      return 1;
    }
    if (pop->native_policy) {
      pop->native_applicants->append_json(line, &error);
    }
    if (!bench::parse_record(line, pop->handwritten[i])) {
      std::fprintf(stderr, "record %llu: the hand-written reader rejects it\n", static_cast<unsigned long long>(i));
      return 1;
    }
  }
  const std::size_t handwritten_bytes = pop->handwritten.capacity() * sizeof(bench::HwApplicant);
  pop->bytes_per_applicant = (heap_in_use() - before - handwritten_bytes) / std::max<std::size_t>(count, 1) /
                             (pop->native_policy ? 2 : 1);

  // Both evaluators must agree before their speed means anything.
  admit::Decision d;
  bench::HwDecision h;
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < count; ++i) {
    pop->policy->evaluate(*pop->applicants, i, d);
    bench::decide(pop->handwritten[i], h);
    if (!d.ok() || !same(d, h)) ++mismatches;
    if (pop->native_policy) {
      pop->native_policy->evaluate(*pop->native_applicants, i, d);
      if (!d.ok() || !same(d, h)) ++mismatches;
    }
  }
  std::printf("population: %llu applicants (seed %llu, profile %s), %zu heap bytes per bound applicant\n",
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(seed),
              fs::path(profile_path).filename().c_str(), pop->bytes_per_applicant);
  if (mismatches != 0) {
    std::fprintf(stderr, "ERROR: compiled and hand-written decisions differ on %zu of %llu applicants\n", mismatches,
                 static_cast<unsigned long long>(count));
    return 1;
  }
  std::printf("check: compiled%s and hand-written decisions identical on all %llu applicants\n",
              pop->native_policy ? ", native" : "", static_cast<unsigned long long>(count));
  g_population = pop;
  return 0;
}

// --- evaluation ---

void evaluate_compiled(benchmark::State& state, std::size_t limit, bool native) {
  const Population& pop = *g_population;
  const admit::ApplicantBatch& applicants = native ? *pop.native_applicants : *pop.applicants;
  const std::size_t n = std::min(limit, applicants.size());
  const admit::Policy& policy = native ? *pop.native_policy : *pop.policy;
  admit::Decision d;
  std::size_t i = 0;
  for (auto _ : state) {
    policy.evaluate(applicants, i, d);
    benchmark::DoNotOptimize(d);
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void evaluate_handwritten(benchmark::State& state, std::size_t limit) {
  const Population& pop = *g_population;
  const std::size_t n = std::min(limit, pop.handwritten.size());
  bench::HwDecision d;
  std::size_t i = 0;
  for (auto _ : state) {
    bench::decide(pop.handwritten[i], d);
    benchmark::DoNotOptimize(d);
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

// Each thread evaluates its share of the population per iteration.
void batch_compiled(benchmark::State& state, bool native) {
  const Population& pop = *g_population;
  const admit::ApplicantBatch& applicants = native ? *pop.native_applicants : *pop.applicants;
  const admit::Policy& policy = native ? *pop.native_policy : *pop.policy;
  const std::size_t n = applicants.size();
  const std::size_t begin = n * static_cast<std::size_t>(state.thread_index()) / static_cast<std::size_t>(state.threads());
  const std::size_t end = n * static_cast<std::size_t>(state.thread_index() + 1) / static_cast<std::size_t>(state.threads());
  admit::Decision d;
  for (auto _ : state) {
    for (std::size_t i = begin; i < end; ++i) {
      policy.evaluate(applicants, i, d);
      benchmark::DoNotOptimize(d);
    }
  }
  // No SetItemsProcessed: Google Benchmark divides thread-summed items by thread-summed time, which
  // hides the speed-up; the summary computes decisions/s from the wall time of one iteration.
}

void batch_handwritten(benchmark::State& state) {
  const Population& pop = *g_population;
  const std::size_t n = pop.handwritten.size();
  const std::size_t begin = n * static_cast<std::size_t>(state.thread_index()) / static_cast<std::size_t>(state.threads());
  const std::size_t end = n * static_cast<std::size_t>(state.thread_index() + 1) / static_cast<std::size_t>(state.threads());
  bench::HwDecision d;
  for (auto _ : state) {
    for (std::size_t i = begin; i < end; ++i) {
      bench::decide(pop.handwritten[i], d);
      benchmark::DoNotOptimize(d);
    }
  }
  // No SetItemsProcessed: Google Benchmark divides thread-summed items by thread-summed time, which
  // hides the speed-up; the summary computes decisions/s from the wall time of one iteration.
}

// --- compiling ---

std::vector<std::string> policy_files() {
  std::vector<std::string> files;
  for (const char* dir : {"rules", "examples"}) {
    const fs::path root = fs::path(kRoot) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      const std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
      if (name.size() >= 10 && name.compare(name.size() - 10, 10, ".test.yaml") == 0) continue;
      files.push_back(fs::relative(entry.path(), kRoot).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct PolicyMemory {
  std::string file;
  std::size_t bytes = 0;
  std::size_t bytes_with_tests = 0;
};

// Heap bytes a compiled policy keeps (its tables, programs, source text; tests when loaded).
std::vector<PolicyMemory> measure_policies(const std::vector<std::string>& files) {
  std::vector<PolicyMemory> out;
  for (const std::string& file : files) {
    PolicyMemory m;
    m.file = file;
    for (bool tests : {false, true}) {
      admit::CompileOptions options;
      options.load_sibling_tests = tests;
      const std::size_t before = heap_in_use();
      admit::CompileResult r = admit::compile_file(kRoot + "/" + file, options);
      const std::size_t after = heap_in_use();
      r.diagnostics.clear();
      r.diagnostics.shrink_to_fit();
      const std::size_t bytes = after > before ? after - before : 0;
      (tests ? m.bytes_with_tests : m.bytes) = r.ok() ? bytes : 0;
    }
    out.push_back(m);
  }
  return out;
}

void compile(benchmark::State& state, const std::string& file, bool tests) {
  admit::CompileOptions options;
  options.load_sibling_tests = tests;
  const std::string path = kRoot + "/" + file;
  for (auto _ : state) {
    admit::CompileResult r = admit::compile_file(path, options);
    if (!r.ok()) {
      state.SkipWithError("the policy has errors");
      break;
    }
    benchmark::DoNotOptimize(r.policy.get());
  }
}

// --- the summary ---

class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  SummaryReporter() : ConsoleReporter(isatty(STDOUT_FILENO) == 1 ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const std::string name = run.run_name.str();
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") {
          results_[name] = run;
          medians_ = true;
        }
      } else if (!results_.count(name) || results_[name].run_type != Run::RT_Aggregate) {
        results_[name] = run;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void summary(const std::vector<PolicyMemory>& memory, std::size_t bytes_per_applicant) const {
    std::printf("\n== summary%s\n", medians_ ? " (medians of the repetitions)" : "");
    const double compiled = ns("evaluate/compiled");
    const double handwritten = ns("evaluate/handwritten");
    const double compiled_hot = ns("evaluate/compiled_hot");
    const double handwritten_hot = ns("evaluate/handwritten_hot");
    std::printf("ns per decision, compiled:               %8.2f\n", compiled);
    std::printf("ns per decision, hand-written:           %8.2f\n", handwritten);
    if (compiled > 0 && handwritten > 0)
      std::printf("ratio compiled / hand-written:           %8.2f   (target <= 1.5, aim 1.2)\n", compiled / handwritten);
    const double native = ns("evaluate/native");
    if (native > 0) {
      std::printf("ns per decision, native (emit_cpp):      %8.2f\n", native);
      if (handwritten > 0)
        std::printf("ratio native / hand-written:             %8.2f\n", native / handwritten);
    }
    std::printf("ns per decision, compiled, hot (64):     %8.2f\n", compiled_hot);
    std::printf("ns per decision, hand-written, hot (64): %8.2f\n", handwritten_hot);
    if (compiled_hot > 0 && handwritten_hot > 0)
      std::printf("ratio compiled / hand-written, hot:      %8.2f\n", compiled_hot / handwritten_hot);
    if (const double native_hot = ns("evaluate/native_hot"); native_hot > 0 && handwritten_hot > 0)
      std::printf("ns per decision, native, hot (64):       %8.2f   (ratio %.2f)\n", native_hot, native_hot / handwritten_hot);
    for (const char* who : {"compiled", "native", "handwritten"})
      for (int t : {1, 2}) {
        const std::string name = std::string("batch/") + who + "/real_time/threads:" + std::to_string(t);
        if (!results_.count(name)) continue;
        std::printf("batch %-12s %d thread%s:          %12.0f decisions/s\n", who, t, t == 1 ? " " : "s",
                    rate(name));
      }
    std::printf("heap bytes per bound applicant:          %8zu\n", bytes_per_applicant);
    std::printf("\n%-44s %12s %14s %12s %14s\n", "policy", "compile ms", "+tests ms", "heap bytes", "+tests bytes");
    for (const PolicyMemory& m : memory) {
      std::printf("%-44s %12.3f %14.3f %12zu %14zu\n", m.file.c_str(), ms("compile/" + m.file),
                  ms("compile+tests/" + m.file), m.bytes, m.bytes_with_tests);
    }
  }

 private:
  double seconds(const std::string& name) const {
    auto it = results_.find(name);
    if (it == results_.end()) return 0;
    // One thread: CPU time, which other processes on the machine disturb less than wall time.
    const Run& run = it->second;
    const double t = run.threads == 1 ? run.GetAdjustedCPUTime() : run.GetAdjustedRealTime();
    return t / benchmark::GetTimeUnitMultiplier(run.time_unit);
  }
  double ns(const std::string& name) const { return seconds(name) * 1e9; }
  double ms(const std::string& name) const { return seconds(name) * 1e3; }
  // Batch runs: every iteration decides the whole population, split among the threads.
  double rate(const std::string& name) const {
    auto it = results_.find(name);
    if (it == results_.end()) return 0;
    const double t = it->second.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(it->second.time_unit);
    return t > 0 ? static_cast<double>(g_population->applicants->size()) / t : 0;
  }

  std::map<std::string, Run> results_;
  bool medians_ = false;
};

// --- instruction counts (scripts/bench.sh runs these under callgrind, collecting only inside) ---

__attribute__((noinline)) void callgrind_compiled(std::size_t passes, bool native) {
  const Population& pop = *g_population;
  const admit::ApplicantBatch& applicants = native ? *pop.native_applicants : *pop.applicants;
  const admit::Policy& policy = native ? *pop.native_policy : *pop.policy;
  admit::Decision d;
  policy.evaluate(applicants, 0, d);  // warm the decision's buffers first
  const std::size_t n = applicants.size();
  for (std::size_t p = 0; p < passes; ++p)
    for (std::size_t i = 0; i < n; ++i) {
      policy.evaluate(applicants, i, d);
      benchmark::DoNotOptimize(d);
    }
}

__attribute__((noinline)) void callgrind_handwritten(std::size_t passes) {
  const Population& pop = *g_population;
  bench::HwDecision d;
  for (std::size_t p = 0; p < passes; ++p)
    for (const bench::HwApplicant& a : pop.handwritten) {
      bench::decide(a, d);
      benchmark::DoNotOptimize(d);
    }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (const int rc = build_population(); rc != 0) return rc;

  // ADMIT_BENCH_CALLGRIND=compiled|native|handwritten: evaluate the population ADMIT_BENCH_PASSES times
  // (default 3) and exit; run under `valgrind --tool=callgrind --toggle-collect='*callgrind_*'`.
  // (scripts/bench.sh also reads ADMIT_BENCH_CALLGRIND: 0 or 1 there only switch its step 3 off or on.)
  if (const std::string mode = env("ADMIT_BENCH_CALLGRIND", ""); !mode.empty() && mode != "0" && mode != "1") {
    const std::size_t passes = std::stoull(env("ADMIT_BENCH_PASSES", "3"));
    if (mode == "compiled") callgrind_compiled(passes, false);
    else if (mode == "native" && g_population->native_policy) callgrind_compiled(passes, true);
    else if (mode == "handwritten") callgrind_handwritten(passes);
    else return 1;
    std::printf("decisions: %zu\n", passes * g_population->applicants->size());
    return 0;
  }

  constexpr std::size_t kAll = SIZE_MAX;
  const bool native = g_population->native_policy != nullptr;
  benchmark::RegisterBenchmark("evaluate/compiled", evaluate_compiled, kAll, false);
  if (native) benchmark::RegisterBenchmark("evaluate/native", evaluate_compiled, kAll, true);
  benchmark::RegisterBenchmark("evaluate/handwritten", evaluate_handwritten, kAll);
  benchmark::RegisterBenchmark("evaluate/compiled_hot", evaluate_compiled, std::size_t{64}, false);
  if (native) benchmark::RegisterBenchmark("evaluate/native_hot", evaluate_compiled, std::size_t{64}, true);
  benchmark::RegisterBenchmark("evaluate/handwritten_hot", evaluate_handwritten, std::size_t{64});
  benchmark::RegisterBenchmark("batch/compiled", batch_compiled, false)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);
  if (native)
    benchmark::RegisterBenchmark("batch/native", batch_compiled, true)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("batch/handwritten", batch_handwritten)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);

  const std::vector<std::string> files = policy_files();
  for (const std::string& file : files) {
    benchmark::RegisterBenchmark(("compile/" + file).c_str(), compile, file, false)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("compile+tests/" + file).c_str(), compile, file, true)->Unit(benchmark::kMillisecond);
  }
  const std::vector<PolicyMemory> memory = measure_policies(files);

  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.summary(memory, g_population->bytes_per_applicant);
  benchmark::Shutdown();
  return 0;
}
