// admit diff OLD NEW: the semantic difference between two versions of a policy (docs/analysis.md).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "admit/diagnostic.hpp"
#include "admit/policy.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#ifdef ADMIT_HAVE_ANALYSIS
#include "admit/analysis.hpp"
#endif

namespace admit::internal::cli {

#ifdef ADMIT_HAVE_ANALYSIS
bool write_examples(const std::string& dir, const std::string& stem, std::vector<AnalysisFinding>& findings);
#endif

int run_diff(const DiffOptions& options) {
#ifdef ADMIT_HAVE_ANALYSIS
  const bool text = options.format == "text";
  const RenderOptions render{use_color(options.color, STDOUT_FILENO)};
  std::vector<Diagnostic> all;
  bool io_error = false, broken = false;
  CompileOptions compile_options;
  compile_options.load_sibling_tests = false;  // the tests are not part of the comparison
  CompileResult old_result = compile_file(options.old_policy, compile_options);
  CompileResult new_result = compile_file(options.new_policy, compile_options);
  for (CompileResult* r : {&old_result, &new_result}) {
    for (auto& d : r->diagnostics) {
      io_error |= d.code == "io";
      all.push_back(d);
    }
    broken |= !r->ok();
  }
  std::size_t moves = 0, changes = 0;
  if (!broken) {
    AnalysisReport report = diff(*old_result.policy, *new_result.policy);
    if (!options.examples.empty() &&
        !write_examples(options.examples, std::filesystem::path(options.new_policy).stem().string() + ".diff",
                        report.findings))
      return kExitUsage;
    for (const auto& f : report.findings) {
      moves += f.code == "diff-group";
      changes += f.code == "diff-points";
      all.push_back(f.diagnostic);
    }
  }
  std::string out;
  if (options.format != "text") {
    out = render_document(options.format, all);
  } else {
    for (const auto& d : all) out += render_text(d, render);
    if (broken) out += "diff: a policy has errors\n";
    else if (moves == 0 && changes == 0) out += "diff: no applicant changes group or points\n";
    else out += fmt::format("diff: {} group change{}, {} points change{}\n", moves, moves == 1 ? "" : "s", changes,
                            changes == 1 ? "" : "s");
  }
  (void)text;
  if (!write_all(stdout, out) || std::fflush(stdout) != 0) {
    std::fputs("admit diff: error: cannot write to standard output\n", stderr);
    return kExitUsage;
  }
  if (io_error) return kExitUsage;
  if (broken) return kExitFailure;
  return options.fail_on_change && (moves + changes) != 0 ? kExitFailure : kExitOk;
#else
  (void)options;
  std::fputs("admit diff: error: the analysis is unavailable: admit was built without Z3 (Debian: libz3-dev)\n", stderr);
  return kExitUsage;
#endif
}

}  // namespace admit::internal::cli
