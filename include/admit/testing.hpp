#pragma once
/// \file
/// Running a policy's own test cases (Policy::tests(), from `tests:` and `<name>.test.yaml`) as
/// `admit test` does, for tools that embed admit (the Python package's Policy.run_tests uses it).

#include <string>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/context.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"

namespace admit {

/// Binds a test case: its context into `context` (used by `applicant`), then its applicant. On
/// failure `error` names the context value or the record field.
bool bind_test_case(const PolicyTest& test, Context& context, Applicant& applicant, BindError* error = nullptr);

struct TestCaseResult {
  /// What did not match, one line each ("group: expected \"a\", got \"b\""); empty = passed.
  /// Resident ID numbers are masked.
  std::vector<std::string> problems;
  bool evaluated = false;      ///< the applicant bound and `decision` holds its evaluation
  bool decision_wrong = false; ///< eligibility or group differ (a trace explains why)
};

/// Runs one test case; `decision` receives the evaluation (for coverage, traces).
TestCaseResult run_test_case(const Policy& policy, const PolicyTest& test, Context& context, Applicant& applicant,
                             Decision& decision);

}  // namespace admit
