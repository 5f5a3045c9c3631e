#include "admit/context.hpp"

#include "policy/applicant_storage.hpp"
#include "policy/compiled_policy.hpp"

namespace admit {

Context::Context(const Policy& policy) : values_(policy) {
  values_.storage().context_mode = true;
  BindError ignored;
  values_.finish(&ignored);  // the defaults; values without one stay unset until bound
}

bool Context::bind_json(std::string_view json, BindError* error) { return values_.bind_json(json, error); }

}  // namespace admit

namespace admit {

bool bind_test_case(const PolicyTest& test, Context& context, Applicant& applicant, BindError* error) {
  if (!test.context_json.empty()) {
    if (!context.bind_json(test.context_json, error)) {
      if (error) error->message = "in the test's context: " + error->message;
      return false;
    }
    applicant.use_context(&context);
  } else {
    applicant.use_context(nullptr);
  }
  return applicant.bind_json(test.applicant_json, error);
}

}  // namespace admit
