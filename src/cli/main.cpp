// admit: check, test, evaluate and explain county admission policies.
// Exit statuses: 0 ok; 1 usage, I/O or internal error; 2 policy errors (check), failing tests (test)
// or invalid applicant records (eval, explain).
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

#ifndef ADMIT_VERSION
#define ADMIT_VERSION "0.0.0"
#endif

namespace admit::internal::cli {

const char* version() noexcept { return ADMIT_VERSION; }

namespace {

ColorMode parse_color(const std::string& s) {
  if (s == "always") return ColorMode::always;
  if (s == "never") return ColorMode::never;
  return ColorMode::automatic;
}

ProgressMode parse_progress(const std::string& s) {
  if (s == "always") return ProgressMode::always;
  if (s == "never") return ProgressMode::never;
  return ProgressMode::automatic;
}

CLI::Option* add_color_option(CLI::App& app, std::string& target) {
  return app
      .add_option("--color", target, "Colour the output: auto (a terminal and NO_COLOR unset), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_str("auto");
}

int run(int argc, char** argv) {
  CLI::App app{"Compile county school-admission policies, test them and evaluate applicants.", "admit"};
  app.set_version_flag("--version", std::string("admit ") + version());
  app.require_subcommand(0, 1);
  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    std::string name = "admit";
    if (const auto subcommands = failed->get_subcommands(); !subcommands.empty())
      name += " " + subcommands.front()->get_name();
    return name + ": error: " + e.what() + "\nRun `" + name + " --help` for more information.\n";
  });
  app.footer(
      "Exit status: 0 ok; 1 usage, I/O or internal error; 2 policy errors (check), failing tests (test) "
      "or invalid applicant records (eval, explain).");

  // check
  CheckOptions check;
  std::string check_color = "auto";
  CLI::App* check_cmd = app.add_subcommand("check", "Compile policy files and report every diagnostic");
  check_cmd->add_option("files", check.files, "Policy files (YAML)")->required();
  check_cmd->add_option("--format", check.format, "Output format: text, json or sarif (one document for all files)")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->default_str("text");
  check_cmd->add_flag("--resolved", check.resolved,
                      "Print each policy merged with the files it extends (YAML), as the compiler sees it");
  check_cmd->add_flag("--deny-warnings", check.deny_warnings, "Exit with 2 when there are warnings (lint findings too)");
  add_color_option(*check_cmd, check_color);
  check_cmd->add_flag("--analyze", check.analyze,
                      "Also prove the policy sound: gaps, dead groups, points ranges and caps, certificates (docs/analysis.md)");
  check_cmd->add_flag("--overlaps", check.overlaps, "With --analyze: also list groups an applicant can match together");
  check_cmd->add_option("--examples", check.examples, "With --analyze: write each counterexample as a JSON record into DIR");
  check_cmd->add_flag("--timing", check.timing, "With --analyze: print each file's analysis time on stderr");

  // diff
  DiffOptions diff;
  std::string diff_color = "auto";
  CLI::App* diff_cmd = app.add_subcommand("diff", "Compare two versions of a policy: who changes group, which points change");
  diff_cmd->add_option("old", diff.old_policy, "The old policy (YAML)")->required();
  diff_cmd->add_option("new", diff.new_policy, "The new policy (YAML)")->required();
  diff_cmd->add_option("--format", diff.format, "Output format: text, json or sarif")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->default_str("text");
  diff_cmd->add_flag("--fail-on-change", diff.fail_on_change, "Exit with 2 when an applicant changes group or points");
  diff_cmd->add_option("--examples", diff.examples, "Write each example applicant as a JSON record into DIR");
  add_color_option(*diff_cmd, diff_color);

  // test
  TestOptions test;
  std::string test_color = "auto";
  CLI::App* test_cmd = app.add_subcommand("test", "Run the test cases of policy files (or of every policy in a directory)");
  test_cmd->add_option("paths", test.paths, "Policy files or directories (searched recursively for *.yaml)")
      ->required();
  test_cmd->add_flag("-v,--verbose", test.verbose, "Print PASS lines too");
  test_cmd->add_option("-r,--run", test.run_regex, "Only run tests whose name matches this regular expression");
  test_cmd->add_flag("--fail-on-empty", test.fail_on_empty, "Exit with status 1 when no test ran");
  test_cmd->add_flag("--coverage", test.coverage,
                    "Print which checks, groups, points items, caps, conditional requirements and substitutes the tests exercise");
  test_cmd->add_flag("--require-coverage", test.require_coverage,
                     "Fail when a check, group, points item, cap, conditional requirement or substitute is never exercised");
  add_color_option(*test_cmd, test_color);

  // eval
  EvalOptions eval;
  std::string eval_progress = "auto";
  CLI::App* eval_cmd = app.add_subcommand("eval", "Evaluate applicant records (JSON Lines) against a policy");
  eval_cmd->add_option("policy", eval.policy, "Policy file (YAML)")->required();
  eval_cmd->add_option("--context", eval.context,
                       "The evaluation context (school, year, cut-off dates): a JSON object, or a file holding one");
  eval_cmd->add_option("-a,--applicants", eval.applicants, "Applicant records, one JSON object per line (- = stdin)")
      ->required();
  eval_cmd->add_option("-o,--out", eval.out, "Write the results here instead of standard output");
  eval_cmd->add_option("--format", eval.format, "Output format: jsonl or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->default_str("jsonl");
  eval_cmd->add_option("-j,--jobs", eval.jobs, "Worker threads (default: hardware threads)")
      ->check(CLI::Range(1u, 1024u));
  eval_cmd->add_flag("--trace", eval.trace, "Add the evaluation trace to each record (jsonl only; slower)");
  eval_cmd->add_flag("--breakdown", eval.breakdown, "Add the points of each item to each record");
  eval_cmd->add_option("--chunk-lines", eval.chunk_lines, "Lines per work unit")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20))
      ->default_str("4096");
  eval_cmd->add_option("--progress", eval_progress,
                       "Progress bar on stderr: auto (a terminal and more than 10000 lines), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_str("auto");

  // explain
  ExplainOptions explain;
  std::string explain_color = "auto";
  CLI::App* explain_cmd = app.add_subcommand("explain", "Explain the decision for one applicant, in Chinese");
  explain_cmd->add_option("policy", explain.policy, "Policy file (YAML)")->required();
  explain_cmd->add_option("--context", explain.context,
                          "The evaluation context (school, year, cut-off dates): a JSON object, or a file holding one");
  explain_cmd->add_option("-a,--applicant", explain.applicant, "The applicant record (a JSON object; - = stdin)")
      ->required();
  add_color_option(*explain_cmd, explain_color);

  // synth
  SynthOptions synth;
  CLI::App* synth_cmd =
      app.add_subcommand("synth", "Generate a synthetic applicant population (JSON Lines) for a policy");
  synth_cmd->add_option("--policy", synth.policy, "Policy file (YAML)")->required();
  synth_cmd->add_option("-n,--count", synth.count, "Number of records")->required();
  synth_cmd->add_option("--seed", synth.seed, "Seed: the same seed gives the same file")->default_str("1");
  synth_cmd->add_option("--profile", synth.profile, "Profile (YAML): value shares and ranges (docs/performance.md)");
  synth_cmd->add_option("-o,--out", synth.out, "Write the records here instead of standard output");
  synth_cmd->add_option("-j,--jobs", synth.jobs, "Worker threads (default: hardware threads; same output)")
      ->check(CLI::Range(1u, 1024u));

  // compile
  CompileCommandOptions compile;
  CLI::App* compile_cmd =
      app.add_subcommand("compile", "Generate native C++ for a policy (see include/admit/native.hpp)");
  compile_cmd->add_option("policy", compile.policy, "Policy file (YAML)")->required();
  compile_cmd->add_option("--emit", compile.emit, "What to generate: cpp")->required()->check(CLI::IsMember({"cpp"}));
  compile_cmd->add_option("--name", compile.name, "C++ namespace of the generated code (default: from the policy id)");
  compile_cmd->add_option("-o,--out", compile.out, "Write the header here instead of standard output");

  // help
  std::string help_topic;
  CLI::App* help_cmd = app.add_subcommand("help", "Show help for admit or one of its subcommands");
  help_cmd->add_option("subcommand", help_topic, "A subcommand");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;  // CLI11's own codes (100+) are not ours
  }

  if (check_cmd->parsed()) {
    check.color = parse_color(check_color);
    return run_check(check);
  }
  if (test_cmd->parsed()) {
    test.color = parse_color(test_color);
    return run_test(test);
  }
  if (eval_cmd->parsed()) {
    eval.progress = parse_progress(eval_progress);
    return run_eval(eval);
  }
  if (explain_cmd->parsed()) {
    explain.color = parse_color(explain_color);
    return run_explain(explain);
  }
  if (synth_cmd->parsed()) return run_synth(synth);
  if (compile_cmd->parsed()) return run_compile(compile);
  if (diff_cmd->parsed()) {
    diff.color = parse_color(diff_color);
    return run_diff(diff);
  }
  if (help_cmd->parsed()) {
    if (help_topic.empty()) {
      std::cout << app.help();
      return kExitOk;
    }
    for (CLI::App* sub : {check_cmd, test_cmd, eval_cmd, explain_cmd, synth_cmd, compile_cmd, diff_cmd, help_cmd}) {
      if (sub->get_name() == help_topic) {
        std::cout << sub->help();
        return kExitOk;
      }
    }
    std::cerr << "admit help: error: unknown subcommand `" << help_topic
              << "` (expected check, test, eval, explain, synth, compile or help)\n";
    return kExitUsage;
  }
  std::cerr << app.help();
  return kExitUsage;
}

}  // namespace
}  // namespace admit::internal::cli

int main(int argc, char** argv) {
  try {
    return admit::internal::cli::run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fputs("admit: error: out of memory\n", stderr);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "admit: internal error: %s\n", e.what());
  } catch (...) {
    std::fputs("admit: internal error: unknown exception\n", stderr);
  }
  return admit::internal::cli::kExitUsage;
}
