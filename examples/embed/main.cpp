// Embedding admit: compile a county policy once, then evaluate applicant records against it.
//
//     embed [policy.yaml]
//
// Prints the admission group, the points and the certificates still missing for one applicant.
#include <iostream>
#include <string>
#include <string_view>

#include <admit/applicant.hpp>
#include <admit/decision.hpp>
#include <admit/diagnostic.hpp>
#include <admit/policy.hpp>
#include <admit/resident_id.hpp>

#ifndef ADMIT_EXAMPLE_POLICY
#define ADMIT_EXAMPLE_POLICY "rules/examples/benchmark-county.yaml"
#endif

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : ADMIT_EXAMPLE_POLICY;

  // 1. Compile. Errors in the rule file come back as diagnostics, not exceptions.
  const admit::CompileResult compiled = admit::compile_file(path);
  if (!compiled.ok()) {
    std::cerr << admit::render_text(compiled.diagnostics);
    return 1;
  }
  const admit::Policy& policy = *compiled.policy;  // immutable: share it between threads freely

  // 2. Bind one applicant record (the same JSON object as one line of a .jsonl file). Names are
  //    resolved here, once; evaluation then reads facts by slot.
  const std::string_view record = R"({
    "id": "110105201910151232",
    "birth_date": "2019-10-15",
    "hukou_zone": "in_zone", "hukou_years": 6,
    "property_type": "full_title",
    "rental_registered": false, "rental_years": 0,
    "si_months": 24, "business_license": false,
    "residence_permit": false, "preferential": "none",
    "verified": ["household_register"]
  })";
  admit::Applicant applicant(policy);
  admit::BindError bind_error;
  if (!applicant.bind_json(record, &bind_error)) {
    std::cerr << "applicant rejected: " << bind_error.field << ": " << bind_error.message << '\n';
    return 1;
  }

  // 3. Evaluate. Reuse one Decision per thread: once warm, evaluating into it does not allocate.
  admit::Decision decision;
  policy.evaluate(applicant, decision);
  if (!decision.ok()) {
    std::cerr << "evaluation error: " << decision.error() << '\n';
    return 1;
  }

  // 4. Read the three answers. Never print a full resident ID number.
  std::cout << "policy: " << policy.metadata().id << '\n';
  std::cout << "applicant: " << admit::mask_resident_id(applicant.id()) << '\n';
  std::cout << "eligible: " << (decision.eligible() ? "yes" : "no") << '\n';
  std::cout << "group: " << decision.group_id() << " (" << decision.group_label() << "), rank "
            << decision.rank() << '\n';
  std::cout << "points: " << decision.points().to_string() << '\n';
  std::cout << "missing certificates:";
  for (const std::string& id : decision.missing_ids()) std::cout << ' ' << id;
  std::cout << '\n';
  return 0;
}
