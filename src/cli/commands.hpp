// The `admit` subcommands: options filled by CLI11 in main.cpp, one run function per file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/output.hpp"

namespace admit::internal::cli {

/// Exit statuses (docs/cli.md, ECOSYSTEM.md 3.3): OPA-compatible.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;     ///< usage, I/O or internal error
inline constexpr int kExitFailure = 2;   ///< policy errors / failing tests / invalid records

struct CheckOptions {
  std::vector<std::string> files;
  std::string format = "text";  // text | json | sarif
  ColorMode color = ColorMode::automatic;
  bool analyze = false;   // --analyze: the semantic analysis (docs/analysis.md)
  bool overlaps = false;  // --overlaps: also list overlapping groups
  std::string examples;   // --examples DIR: write each counterexample as a replayable record
  bool timing = false;    // --timing: the analysis time of each file on stderr
  bool resolved = false;        // print each file merged with what it extends
  bool deny_warnings = false;   // warnings (lint findings among them) fail the check
};
int run_check(const CheckOptions& options);

/// cmd_analyze.cpp: the analysis of one compiled policy for `check --analyze`, with the findings
/// accepted in the sibling `<name>.analysis-accept` file downgraded to notes. Returns false (and
/// says why on stderr) when admit was built without the analysis, or a file cannot be written.
bool analyze_for_check(const Policy& policy, const std::string& file, const CheckOptions& options,
                       std::vector<Diagnostic>& out);

struct DiffOptions {
  std::string old_policy;
  std::string new_policy;
  std::string format = "text";  // text | json | sarif
  ColorMode color = ColorMode::automatic;
  bool fail_on_change = false;  // exit 2 when applicants move or points change
  std::string examples;         // --examples DIR
};
int run_diff(const DiffOptions& options);

struct TestOptions {
  std::vector<std::string> paths;
  bool verbose = false;
  std::string run_regex;
  bool fail_on_empty = false;
  ColorMode color = ColorMode::automatic;
  bool coverage = false;          // print what the tests exercise, and what they miss
  bool require_coverage = false;  // a rule no test exercises fails the run
};
int run_test(const TestOptions& options);

struct EvalOptions {
  std::string policy;
  std::string applicants;  // "-" for stdin
  std::string out;         // empty: stdout
  std::string format = "jsonl";  // jsonl | csv
  unsigned jobs = 0;             // 0: hardware threads
  bool trace = false;
  bool breakdown = false;
  std::size_t chunk_lines = 4096;
  ProgressMode progress = ProgressMode::automatic;
  std::string context;  // the evaluation context: a JSON object, or a file holding one; empty: defaults
};
int run_eval(const EvalOptions& options);

struct ExplainOptions {
  std::string policy;
  std::string applicant;  // "-" for stdin
  ColorMode color = ColorMode::automatic;
  std::string context;    // as EvalOptions::context
};
int run_explain(const ExplainOptions& options);

struct SynthOptions {
  std::string policy;
  std::string profile;  // empty: the defaults (docs/performance.md)
  std::string out;      // empty: stdout
  std::uint64_t count = 0;
  std::uint64_t seed = 1;
  unsigned jobs = 0;    // 0: hardware threads (the output does not depend on it)
};
int run_synth(const SynthOptions& options);

struct CompileCommandOptions {
  std::string policy;
  std::string emit;  // cpp
  std::string name;  // C++ namespace; empty: from the policy id
  std::string out;   // empty: stdout
};
int run_compile(const CompileCommandOptions& options);

/// The version string printed by `admit --version`.
const char* version() noexcept;

}  // namespace admit::internal::cli
