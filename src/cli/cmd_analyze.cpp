// `admit check --analyze`: the semantic analysis of each compiled policy (docs/analysis.md), with
// accepted findings read from the sibling `<name>.analysis-accept` file.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "admit/diagnostic.hpp"
#include "admit/policy.hpp"
#include "cli/commands.hpp"
#ifdef ADMIT_HAVE_ANALYSIS
#include "admit/analysis.hpp"
#endif

namespace admit::internal::cli {

namespace {

#ifdef ADMIT_HAVE_ANALYSIS

/// One line of an acceptance file: `code [subject]  # why`.
struct Acceptance {
  std::string code, subject;
  std::uint32_t line = 0;
  std::string text;
  bool used = false;
};

std::filesystem::path acceptance_path(const std::string& file) {
  std::filesystem::path p(file);
  return p.parent_path() / (p.stem().string() + ".analysis-accept");
}

std::vector<Acceptance> read_acceptances(const std::filesystem::path& path) {
  std::vector<Acceptance> out;
  std::ifstream in(path);
  std::string line;
  std::uint32_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string content = line.substr(0, line.find('#'));
    std::istringstream words(content);
    Acceptance a;
    if (!(words >> a.code)) continue;
    words >> a.subject;
    a.line = number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    a.text = line;
    out.push_back(std::move(a));
  }
  return out;
}

std::string safe_name(std::string_view s) {
  std::string out;
  for (char ch : s) out.push_back((std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') ? ch : '_');
  return out.empty() ? std::string("policy") : out;
}

#endif

}  // namespace

/// Writes each finding's example to DIR/<stem>.<n>.<code>.json; returns false on an I/O error.
#ifdef ADMIT_HAVE_ANALYSIS
bool write_examples(const std::string& dir, const std::string& stem, std::vector<AnalysisFinding>& findings) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  int n = 0;
  for (auto& f : findings) {
    if (f.example_json.empty()) continue;
    std::filesystem::path path =
        std::filesystem::path(dir) / fmt::format("{}.{}.{}{}.json", safe_name(stem), ++n, f.code,
                                                 f.subject.empty() ? "" : "." + safe_name(f.subject));
    std::FILE* out = std::fopen(path.string().c_str(), "wb");
    if (out == nullptr) {
      std::fprintf(stderr, "admit: error: cannot write %s\n", path.string().c_str());
      return false;
    }
    std::string text = f.example_json + "\n";
    const bool ok = std::fwrite(text.data(), 1, text.size(), out) == text.size();
    if (std::fclose(out) != 0 || !ok) {
      std::fprintf(stderr, "admit: error: cannot write %s\n", path.string().c_str());
      return false;
    }
    f.diagnostic.notes.push_back(fmt::format("the example is in {}", path.string()));
    if (!f.example_context_json.empty()) {
      // Its evaluation context, for `admit explain POLICY -a EXAMPLE --context CONTEXT`.
      std::filesystem::path context_path = path;
      context_path.replace_extension(".context.json");
      std::FILE* ctx = std::fopen(context_path.string().c_str(), "wb");
      const std::string ctx_text = f.example_context_json + "\n";
      const bool written = ctx != nullptr && std::fwrite(ctx_text.data(), 1, ctx_text.size(), ctx) == ctx_text.size();
      if (ctx == nullptr || std::fclose(ctx) != 0 || !written) {
        std::fprintf(stderr, "admit: error: cannot write %s\n", context_path.string().c_str());
        return false;
      }
      f.diagnostic.notes.push_back(fmt::format("its evaluation context is in {}", context_path.string()));
    }
  }
  return true;
}
#endif

bool analyze_for_check(const Policy& policy, const std::string& file, const CheckOptions& options,
                       std::vector<Diagnostic>& out) {
#ifdef ADMIT_HAVE_ANALYSIS
  AnalysisOptions analysis;
  analysis.overlaps = options.overlaps;
  AnalysisReport report = analyze(policy, analysis);
  if (options.timing) std::fprintf(stderr, "%s: analysed in %.3f s\n", file.c_str(), report.seconds);
  if (!options.examples.empty() &&
      !write_examples(options.examples, std::filesystem::path(file).stem().string(), report.findings))
    return false;

  const std::filesystem::path accept_file = acceptance_path(file);
  std::vector<Acceptance> accepted = read_acceptances(accept_file);
  for (auto& f : report.findings) {
    Diagnostic d = f.diagnostic;
    if (d.severity != Severity::note) {
      for (auto& a : accepted) {
        if (a.code != f.code || (!a.subject.empty() && a.subject != f.subject)) continue;
        a.used = true;
        d.severity = Severity::note;
        d.message += fmt::format(" (accepted in {}:{})", accept_file.string(), a.line);
        break;
      }
    }
    out.push_back(std::move(d));
  }
  for (const auto& a : accepted) {
    if (a.used) continue;
    Diagnostic d;
    d.severity = Severity::warning;
    d.code = "analysis-stale-accept";
    d.message = fmt::format("`{}{}` is accepted, but the analysis no longer finds it", a.code,
                            a.subject.empty() ? "" : " " + a.subject);
    d.file = accept_file.string();
    d.line = a.line;
    d.column = 1;
    d.end_column = static_cast<std::uint32_t>(a.text.size()) + 1;
    d.source_line = a.text;
    d.help = "remove the line";
    out.push_back(std::move(d));
  }
  return true;
#else
  (void)policy;
  (void)file;
  (void)options;
  (void)out;
  std::fputs("admit check: error: the analysis is unavailable: admit was built without Z3 (Debian: libz3-dev)\n", stderr);
  return false;
#endif
}

}  // namespace admit::internal::cli
