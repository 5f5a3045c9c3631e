// Fuzz target: arbitrary bytes as an applicant record for the benchmark county and the Kuiwen
// example (lists, strings, dates). Binding must fail cleanly or succeed, evaluation must not crash,
// and binding must not depend on the path taken: an Applicant that keeps its fast-path state from
// one input to the next (key predictions learnt on earlier records, as in `admit eval`) must bind
// every input exactly as one that uses the general reader only.

#include <cstddef>
#include <cstdint>
#include <string>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "policy/applicant_storage.hpp"

#ifndef ADMIT_SOURCE_DIR
#define ADMIT_SOURCE_DIR "."
#endif

namespace {

std::string outcome(const admit::Policy& policy, admit::Applicant& a, std::string_view text, admit::Decision& d) {
  admit::BindError error;
  if (!a.bind_json(text, &error)) {
    if (error.message.empty()) __builtin_trap();  // a failure always says why
    return "error [" + error.field + "] " + error.message + " @" + std::to_string(error.offset);
  }
  policy.evaluate(a, d);
  std::string s = a.id() + " " + std::string(d.group_id()) + " " + d.points().to_string() + " " + d.error();
  for (const auto& line : d.breakdown()) s += " " + line.raw.to_string();
  for (const auto& c : d.certificates()) s += " " + std::to_string(c.certificate) + std::string(admit::to_string(c.status));
  return s;
}

struct Target {
  explicit Target(const char* file) : policy(admit::compile_file(std::string(ADMIT_SOURCE_DIR) + file).policy) {
    if (!policy) __builtin_trap();
    warm = std::make_unique<admit::Applicant>(*policy);
    general = std::make_unique<admit::Applicant>(*policy);
    general->storage().json_fast_path = false;
  }
  std::shared_ptr<const admit::Policy> policy;
  std::unique_ptr<admit::Applicant> warm, general;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Target targets[] = {Target("/rules/examples/benchmark-county.yaml"), Target("/examples/county/kuiwen-2022.yaml")};
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (Target& t : targets) {
    admit::Decision d1, d2;
    const std::string fast = outcome(*t.policy, *t.warm, text, d1);
    const std::string slow = outcome(*t.policy, *t.general, text, d2);
    if (fast != slow) __builtin_trap();  // the fast path must bind exactly as the general reader
    admit::Applicant fresh(*t.policy);
    admit::Decision d3;
    if (outcome(*t.policy, fresh, text, d3) != slow) __builtin_trap();
    if (slow.rfind("error", 0) != 0) t.policy->evaluate_with_trace(*t.general, d2);
  }
  return 0;
}
