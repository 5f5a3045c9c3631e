// admit compile --emit cpp POLICY: writes the policy's decision program as a C++ header (see
// include/admit/native.hpp for how a vendor links it in).

#include <cctype>
#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "admit/diagnostic.hpp"
#include "admit/native.hpp"
#include "admit/policy.hpp"
#include "cli/commands.hpp"

namespace admit::internal::cli {

namespace {

// A C++ namespace from a policy id: "benchmark-county" -> "benchmark_county".
std::string namespace_for(const std::string& id) {
  std::string out;
  for (char c : id) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "policy_" + out;
  return out;
}

}  // namespace

int run_compile(const CompileCommandOptions& options) {
  if (options.emit != "cpp") {
    std::fprintf(stderr, "admit compile: error: --emit supports only `cpp`\n");
    return kExitUsage;
  }
  CompileResult result = compile_file(options.policy);
  if (!result.ok()) {
    std::fputs(render_text(result.diagnostics).c_str(), stderr);
    return kExitFailure;
  }
  std::string name = options.name.empty() ? namespace_for(result.policy->metadata().id) : options.name;
  if (namespace_for(name) != name) {
    std::fprintf(stderr, "admit compile: error: --name `%s` is not a C++ identifier (letters, digits, `_`)\n",
                 name.c_str());
    return kExitUsage;
  }
  EmitResult emitted = emit_cpp(*result.policy, name);
  if (!emitted.ok) {
    std::fprintf(stderr, "%s: error: cannot emit C++: %s\n", options.policy.c_str(), emitted.error.c_str());
    return kExitFailure;
  }
  if (options.out.empty()) {
    std::fputs(emitted.code.c_str(), stdout);
    return kExitOk;
  }
  std::ofstream out(options.out, std::ios::binary);
  out << emitted.code;
  if (!out) {
    std::fprintf(stderr, "admit compile: error: cannot write %s\n", options.out.c_str());
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace admit::internal::cli
