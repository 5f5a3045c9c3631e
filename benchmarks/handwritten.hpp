#pragma once
// The reference policy (rules/examples/benchmark-county.yaml, issue #2 "The reference policy for
// benchmarks") written by hand in plain C++: the physical limit the compiled evaluator is measured
// against. Plain structs, no allocation, exact arithmetic in micro-units like admit::Decimal.
//
// Certificates an applicant holds are `verified` or `submitted` (both satisfy a requirement in the
// policy file; the records only carry `verified`, for which the two readings agree).

#include <cstdint>
#include <string_view>

namespace bench {

enum Zone : std::uint8_t { in_zone, city, province, outside };
enum Property : std::uint8_t { full_title, purchase_contract, small_title, no_property };
enum Preferential : std::uint8_t { pref_none, military, martyr, police, talent };

// Certificate indices, in the policy file's order (every requirement list is in this order too).
enum Certificate : std::uint8_t {
  household_register,
  property_certificate,
  purchase_contract_cert,
  residence_permit_cert,
  social_insurance_record,
  business_license_cert,
  preferential_certificate,
  kCertificateCount
};
extern const std::string_view kCertificateIds[kCertificateCount];

// Group indices; kIneligible stands for the failed eligibility check `ineligible_age`.
enum Group : std::uint8_t { g_preferential, g_hukou_property, g_hukou_only, g_property_only, g_migrant_worker, g_unplaced, kIneligible };
extern const std::string_view kGroupIds[7];

struct HwApplicant {
  std::int32_t birth_days = 0;  // days since 1970-01-01
  Zone hukou_zone = outside;
  Property property_type = no_property;
  Preferential preferential = pref_none;
  bool rental_registered = false;
  bool business_license = false;
  bool residence_permit = false;
  std::uint8_t held = 0;  // bit per Certificate: verified or submitted
  std::int64_t hukou_years = 0;
  std::int64_t rental_years = 0;
  std::int64_t si_months = 0;
};

struct HwDecision {
  Group group = kIneligible;
  std::uint8_t missing_count = 0;
  Certificate missing[4]{};   // in requirement order
  std::int64_t points_units = 0;  // millionths, like admit::Decimal
};

/// The policy. Out of line, like Policy::evaluate.
void decide(const HwApplicant& a, HwDecision& d) noexcept;

/// Reads one flat JSON record of the benchmark county (as written by `admit synth` or the sample
/// file) into `a`, without any library: for converting a population once, outside timing, and
/// for tests. False on anything unexpected.
bool parse_record(std::string_view json, HwApplicant& a) noexcept;

}  // namespace bench
