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

