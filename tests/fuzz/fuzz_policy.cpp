// Fuzz target: arbitrary bytes as a rule file. Compiling must produce diagnostics or a policy, never
// crash, hang or throw; every diagnostic position must lie inside the input.

#include <cstddef>
#include <cstdint>
#include <string>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  admit::CompileOptions options;
  options.read_bases_from_disk = false;  // `extends:` must not wander the file system
  options.files = {{"base.yaml", "admit: 1\nschema: {id: base, version: 1}\nfacts: {b: {type: int, default: 1}}\n"}};
  admit::CompileResult r = admit::compile_source(text, "fuzz.yaml", options);
  std::uint32_t lines = 1;
  for (char c : text) lines += c == '\n';
  for (const auto& d : r.diagnostics) {
    if (d.line > lines + 1) __builtin_trap();
  }
  (void)admit::render_text(r.diagnostics);
  (void)admit::render_json(r.diagnostics);
  (void)admit::render_sarif(r.diagnostics, "fuzz");
  if (r.ok()) {
    // Evaluate the policy's own tests, if any: binding and evaluation must not crash either.
    admit::Applicant a(*r.policy);
    admit::Decision d;
    for (const auto& t : r.policy->tests()) {
      if (a.bind_json(t.applicant_json)) r.policy->evaluate_with_trace(a, d);
    }
  }
  return 0;
}
