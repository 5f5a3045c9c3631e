// Decision::breakdown() and certificates() are views whose elements are decoded when read: they
// must behave as standard ranges, and read the same whichever path filled the decision.

#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <ranges>
#include <string>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "support/describe_decision.hpp"

static_assert(std::forward_iterator<admit::PointsLines::iterator>);
static_assert(std::forward_iterator<admit::RequiredCertificates::iterator>);
static_assert(std::ranges::forward_range<admit::PointsLines>);
static_assert(std::ranges::forward_range<admit::RequiredCertificates>);


TEST_CASE("decision views are ranges and read alike from the fused program and rule by rule", "[decision]") {
  auto compiled = admit::compile_file(std::string(ADMIT_SOURCE_DIR) + "/rules/examples/benchmark-county.yaml");
  REQUIRE(compiled.ok());
  const admit::Policy& policy = *compiled.policy;
  admit::Applicant a(policy);
  // Outside the zone with a full title: property_only; the deed verified, the register uploaded,
  // the residence permit missing.
  REQUIRE(a.bind_json(R"({"id":"370704202005267912","birth_date":"2020-05-26","hukou_zone":"city","hukou_years":3,)"
                      R"("property_type":"full_title","rental_registered":false,"rental_years":0,"si_months":14,)"
                      R"("business_license":false,"residence_permit":false,"preferential":"none",)"
                      R"("verified":["property_certificate"],"submitted":["household_register"]})"));
  admit::Decision fused, traced;
  policy.evaluate(a, fused);
  policy.evaluate_with_trace(a, traced);  // rule by rule: lines and statuses written one by one
  REQUIRE(fused.ok());
  CHECK(fused.group_id() == "property_only");
  CHECK(admit_test::describe(fused) == admit_test::describe(traced));

  for (const admit::Decision* d : {&fused, &traced}) {
    const std::vector<admit::PointsLine> lines(d->breakdown().begin(), d->breakdown().end());
    REQUIRE(lines.size() == policy.points_items().size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      CHECK(lines[i].item == i);
      CHECK(lines[i].value == d->breakdown()[i].value);
      CHECK(lines[i].value <= lines[i].raw);
    }
    const auto certificates = d->certificates();
    REQUIRE(certificates.size() == 3);
    CHECK(std::ranges::count_if(certificates, [](const admit::RequiredCertificate& c) {
            return c.status == admit::CertificateStatus::missing;
          }) == 1);
    CHECK(policy.certificates()[certificates[0].certificate].id == "household_register");
    CHECK(certificates[0].status == admit::CertificateStatus::submitted);
    CHECK(certificates[1].status == admit::CertificateStatus::verified);
    CHECK(policy.certificates()[certificates[2].certificate].id == "residence_permit");
    CHECK(certificates[2].status == admit::CertificateStatus::missing);
    CHECK(d->missing_count() == 1);
    CHECK(d->missing_ids() == std::vector<std::string>{"residence_permit"});
  }
}
