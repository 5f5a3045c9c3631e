// Fuzz target: arbitrary bytes as an applicant record for the benchmark county and the Kuiwen
// example (lists, strings, dates). Binding must fail cleanly or succeed, and evaluation must not crash.

#include <cstddef>
#include <cstdint>
#include <string>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"

#ifndef ADMIT_SOURCE_DIR
#define ADMIT_SOURCE_DIR "."
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto benchmark = admit::compile_file(ADMIT_SOURCE_DIR "/rules/examples/benchmark-county.yaml").policy;
  static auto kuiwen = admit::compile_file(ADMIT_SOURCE_DIR "/examples/county/kuiwen-2022.yaml").policy;
  if (!benchmark || !kuiwen) __builtin_trap();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto* policy : {benchmark.get(), kuiwen.get()}) {
    admit::Applicant a(*policy);
    admit::BindError error;
    admit::Decision d;
    if (a.bind_json(text, &error)) {
      policy->evaluate(a, d);
      policy->evaluate_with_trace(a, d);
    } else if (error.message.empty()) {
      __builtin_trap();  // a failure always says why
    }
  }
  return 0;
}
