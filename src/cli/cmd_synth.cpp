// admit synth --policy FILE --count N --seed S [--profile PROFILE.yaml] [--out FILE] [-j N]:
// a synthetic population as JSON Lines. Record i depends only on (policy, profile, seed, i), so the
// output is byte-identical whatever the number of threads; threads generate consecutive blocks and
// the main thread writes them in order.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "admit/diagnostic.hpp"
#include "admit/policy.hpp"
#include "admit/synth.hpp"
#include "cli/commands.hpp"

namespace admit::internal::cli {

namespace {
constexpr std::uint64_t kBlock = 8192;
}

int run_synth(const SynthOptions& options) {
  CompileOptions compile_options;
  compile_options.load_sibling_tests = false;
  const CompileResult compiled = compile_file(options.policy, compile_options);
  if (!compiled.ok()) {
    std::fputs(render_text(compiled.diagnostics, RenderOptions{use_color(ColorMode::automatic, 2)}).c_str(), stderr);
    std::fprintf(stderr, "admit synth: error: %s: the policy has errors\n", options.policy.c_str());
    return kExitUsage;
  }

  std::string profile_text;
  if (!options.profile.empty()) {
    std::string error;
    if (!read_whole_file(options.profile, profile_text, error)) {
      std::fprintf(stderr, "admit synth: error: %s: %s\n", options.profile.c_str(), error.c_str());
      return kExitUsage;
    }
  }
  unsigned jobs = options.jobs;
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<Synthesizer>> synthesizers;
  for (unsigned i = 0; i < jobs; ++i) {
    SynthResult r = make_synthesizer(compiled.policy, profile_text, options.profile);
    if (!r.ok()) {
      std::fputs(render_text(r.diagnostics, RenderOptions{use_color(ColorMode::automatic, 2)}).c_str(), stderr);
      std::fprintf(stderr, "admit synth: error: %s: the profile has errors\n", options.profile.c_str());
      return kExitUsage;
    }
    synthesizers.push_back(std::move(r.synthesizer));
  }

  std::FILE* out = stdout;
  if (!options.out.empty() && options.out != "-") {
    out = std::fopen(options.out.c_str(), "wb");
    if (out == nullptr) {
      std::fprintf(stderr, "admit synth: error: %s: %s\n", options.out.c_str(), std::strerror(errno));
      return kExitUsage;
    }
  }

  std::vector<std::string> buffers(jobs);
  bool ok = true;
  for (std::uint64_t start = 0; start < options.count && ok; start += kBlock * jobs) {
    auto work = [&](unsigned t) {
      std::string& buf = buffers[t];
      buf.clear();
      const std::uint64_t begin = std::min(options.count, start + kBlock * t);
      const std::uint64_t end = std::min(options.count, begin + kBlock);
      for (std::uint64_t i = begin; i < end; ++i) synthesizers[t]->append_record(options.seed, i, buf);
    };
    if (jobs == 1) {
      work(0);
    } else {
      std::vector<std::thread> threads;
      for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(work, t);
      work(0);
      for (std::thread& th : threads) th.join();
    }
    for (const std::string& buf : buffers)
      if (!write_all(out, buf)) ok = false;
  }
  if (std::fflush(out) != 0) ok = false;
  if (out != stdout && std::fclose(out) != 0) ok = false;
  if (!ok) {
    std::fprintf(stderr, "admit synth: error: %s: cannot write the records\n",
                 options.out.empty() ? "<stdout>" : options.out.c_str());
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace admit::internal::cli
