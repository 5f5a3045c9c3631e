#pragma once
/// \file
/// An applicant record bound to one policy's facts: names are resolved once, when the record is
/// bound, so that evaluation reads facts by slot and never by name.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "admit/date.hpp"
#include "admit/decimal.hpp"

namespace admit {

class Policy;
class Context;
namespace internal {
struct FactDef;
}

/// Why a record could not be bound. `field` is the dotted path ("properties[1].share"), may be empty.
struct BindError {
  std::string field;
  std::string message;  ///< never contains a full resident ID number
  std::size_t offset = 0;  ///< byte offset in the JSON text, when known
};

/// The error as one line for people: "field: message" (the field only when the message does not
/// name it), resident ID numbers masked.
std::string describe(const BindError& error);

struct BindOptions {
  /// Reject keys the policy does not declare (default: ignore them, so one record format serves every county).
  bool reject_unknown_fields = false;
};

/// A handle to a fact, resolved once by name (Applicant::find_fact) and then used on the hot path.
struct FactHandle {
  std::uint32_t index = UINT32_MAX;
  explicit operator bool() const noexcept { return index != UINT32_MAX; }
};

class Applicant {
 public:
  explicit Applicant(const Policy& policy);
  ~Applicant();
  Applicant(Applicant&&) noexcept;
  Applicant& operator=(Applicant&&) noexcept;
  Applicant(const Applicant&) = delete;
  Applicant& operator=(const Applicant&) = delete;

  const Policy& policy() const noexcept { return *policy_; }

  /// Clears every fact, certificate and the id; keeps capacity.
  void clear() noexcept;

  /// Binds one JSON object (nested objects or dotted keys for fact paths; "verified" and "submitted"
  /// lists of certificate ids; "id" the applicant's own key). Clears first. On failure returns false
  /// and fills `error` (if not null); the applicant is then unusable until bound again.
  bool bind_json(std::string_view json, BindError* error = nullptr, const BindOptions& options = {});

  // The typed builder. Setting a fact to a value of the wrong type, an unknown enum value or a bad
  // handle returns false.
  FactHandle find_fact(std::string_view path) const noexcept;
  bool set_bool(FactHandle fact, bool value) noexcept;
  bool set_int(FactHandle fact, std::int64_t value) noexcept;
  bool set_decimal(FactHandle fact, Decimal value) noexcept;
  bool set_date(FactHandle fact, Date value) noexcept;
  bool set_string(FactHandle fact, std::string_view value);   ///< string, resident_id and enum (by value name)
  /// Appends a record to a list fact; returns its index, or -1 when the list is full (max_items) or not a list.
  int add_record(FactHandle list);
  FactHandle find_field(FactHandle list, std::string_view field) const noexcept;
  bool set_field_string(FactHandle list, int record, FactHandle field, std::string_view value);
  bool set_field_int(FactHandle list, int record, FactHandle field, std::int64_t value) noexcept;
  bool set_field_decimal(FactHandle list, int record, FactHandle field, Decimal value) noexcept;
  bool set_field_bool(FactHandle list, int record, FactHandle field, bool value) noexcept;
  bool set_field_date(FactHandle list, int record, FactHandle field, Date value) noexcept;

  bool set_verified(std::string_view certificate_id) noexcept;
  bool set_submitted(std::string_view certificate_id) noexcept;
  void set_id(std::string_view id);
  const std::string& id() const noexcept { return id_; }

  /// Fills defaults and checks that every fact without a default was given. bind_json calls it.
  bool finish(BindError* error = nullptr);

  /// The evaluation context (school, admission year, cut-off dates: the policy's `context:`) that
  /// this applicant is evaluated in, until changed; null = the context's defaults. Its values are
  /// copied at once and again by every bind, so one bound applicant can be evaluated against several
  /// schools. Returns false when a context value without a default stays unset (the next bind then
  /// fails naming it) or the context belongs to another policy. `context` must outlive this use.
  bool use_context(const Context* context);

  struct Storage;
  const Storage& storage() const noexcept { return *storage_; }
  Storage& storage() noexcept { return *storage_; }

 private:
  friend class Context;
  bool copy_context_value(const internal::FactDef& fact);
  const Policy* policy_;
  std::unique_ptr<Storage> storage_;
  std::string id_;
};

}  // namespace admit
