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
};
int run_check(const CheckOptions& options);

struct TestOptions {
  std::vector<std::string> paths;
  bool verbose = false;
  std::string run_regex;
  bool fail_on_empty = false;
  ColorMode color = ColorMode::automatic;
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
};
int run_eval(const EvalOptions& options);

struct ExplainOptions {
  std::string policy;
  std::string applicant;  // "-" for stdin
  ColorMode color = ColorMode::automatic;
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
