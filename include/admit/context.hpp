#pragma once
/// \file
/// The evaluation context: what a policy needs to know about the evaluation rather than about the
/// child — the school applied to (its catchment zone, public or private), the admission year, the
/// cut-off dates. A policy declares these values under `context:`; the platform supplies them:
///
///     admit::Context school(policy);
///     if (!school.bind_json(R"({"school":{"zone":"kw-01","public":true}})", &error)) { ... }
///     applicant.use_context(&school);   // then bind and evaluate as usual
///
/// A Context is bound once per school (or per run) and shared read-only by any number of applicants
/// and threads.

#include <string_view>

#include "admit/applicant.hpp"

namespace admit {

class Context {
 public:
  /// Every value at its default (values without one must be set before applicants use them).
  explicit Context(const Policy& policy);

  const Policy& policy() const noexcept { return values_.policy(); }

  /// Binds a JSON object of context values (nested objects or dotted keys, as in applicant records).
  /// A key that is not a context value, a wrong type or a value without a default left out is an
  /// error. Clears first.
  bool bind_json(std::string_view json, BindError* error = nullptr);

  // The typed builder, as Applicant's; finish() checks that every value without a default is set.
  FactHandle find(std::string_view path) const noexcept { return values_.find_fact(path); }
  bool set_bool(FactHandle value, bool v) noexcept { return values_.set_bool(value, v); }
  bool set_int(FactHandle value, std::int64_t v) noexcept { return values_.set_int(value, v); }
  bool set_decimal(FactHandle value, Decimal v) noexcept { return values_.set_decimal(value, v); }
  bool set_date(FactHandle value, Date v) noexcept { return values_.set_date(value, v); }
  bool set_string(FactHandle value, std::string_view v) { return values_.set_string(value, v); }
  bool finish(BindError* error = nullptr) { return values_.finish(error); }

 private:
  friend class Applicant;
  Applicant values_;  // binds only the policy's context values
};

}  // namespace admit

