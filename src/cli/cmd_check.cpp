// admit check FILE...: compile each policy (and its sibling tests file) and report every diagnostic.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "admit/diagnostic.hpp"
#include "admit/policy.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace admit::internal::cli {

namespace {

std::string plural(std::size_t n, const char* singular, const char* plural_form) {
  return fmt::format("{} {}", n, n == 1 ? singular : plural_form);
}

bool readable_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::FILE* probe = std::fopen(path.c_str(), "rb");
  if (probe == nullptr) return false;
  std::fclose(probe);
  return true;
}

}  // namespace

int run_check(const CheckOptions& options) {
  std::vector<Diagnostic> all;
  const bool text = options.format == "text";
  const RenderOptions render{use_color(options.color, STDOUT_FILENO)};
  std::string out;
  bool io_error = false;
  for (const std::string& file : options.files) {
    // An unreadable file is reported as the library's diagnostic (so it is in JSON/SARIF too), but it
    // is an I/O error for the exit status, not a policy error.
    if (!readable_file(file)) io_error = true;
    CompileOptions compile_options;
    std::string resolved;
    if (options.resolved) compile_options.resolved_out = &resolved;
    CompileResult result = compile_file(file, compile_options);
    if (options.resolved && !resolved.empty()) {
      if (options.files.size() > 1) out += fmt::format("# {}\n", file);
      out += options.files.size() > 1 ? "---\n" + resolved : resolved;
    }
    // --analyze: the semantic analysis runs on policies that compiled (docs/analysis.md).
    if (options.analyze && result.policy && !analyze_for_check(*result.policy, file, options, result.diagnostics))
      return kExitUsage;
    for (Diagnostic& d : result.diagnostics) {
      if (text) out += render_text(d, render);
      all.push_back(std::move(d));
    }
  }

  const std::size_t errors = count(all, Severity::error);
  const std::size_t warnings = count(all, Severity::warning);
  if (options.format != "text") {
    out = render_document(options.format, all);
  } else {
    std::string summary = fmt::format("checked {}: ", plural(options.files.size(), "file", "files"));
    if (errors == 0 && warnings == 0) {
      summary += "no problems";
    } else {
      if (errors != 0) summary += plural(errors, "error", "errors");
      if (errors != 0 && warnings != 0) summary += ", ";
      if (warnings != 0) summary += plural(warnings, "warning", "warnings");
    }
    out += summary;
    out.push_back('\n');
  }
  if (!write_all(stdout, out) || std::fflush(stdout) != 0) {
    std::fputs("admit check: error: cannot write to standard output\n", stderr);
    return kExitUsage;
  }
  if (io_error) return kExitUsage;
  return errors != 0 || (options.deny_warnings && warnings != 0) ? kExitFailure : kExitOk;
}

}  // namespace admit::internal::cli
