// The number writers of the decision writer (src/json/json_writer.hpp): write_uint and write_int
// against std::to_chars, write_decimal_units against admit::Decimal::format_to, on boundaries and
// random values.

#include <catch2/catch.hpp>

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "admit/decimal.hpp"
#include "json/json_writer.hpp"
#include "support/random.hpp"

namespace {

std::string expected_int(std::int64_t v) {
  char buf[24];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

std::string expected_uint(std::uint64_t v) {
  char buf[24];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

std::string expected_decimal(std::int64_t units) {
  char buf[admit::Decimal::kMaxTextLength];
  return std::string(buf, admit::Decimal::from_units(units).format_to(buf));
}

void check_all(std::int64_t v) {
  char buf[32];
  CHECK(std::string(buf, admit::internal::write_int(buf, v)) == expected_int(v));
  CHECK(std::string(buf, admit::internal::write_decimal_units(buf, v)) == expected_decimal(v));
  const auto u = static_cast<std::uint64_t>(v);
  CHECK(std::string(buf, admit::internal::write_uint(buf, u)) == expected_uint(u));
}

}  // namespace

TEST_CASE("number writers: boundaries and random values", "[json][writer]") {
  std::vector<std::int64_t> values = {0, 1, -1, 9, 10, 11, 99, 100, 101, 999, 1000, 999999, 1000000, 1000001, -999999,
                                      -1000000, 1500000, 72500000, 100000000, 123456789012, 10000000000000000000ull / 10,
                                      std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min(),
                                      std::numeric_limits<std::int64_t>::min() + 1};
  for (std::int64_t p = 1; p < 1000000000000000000; p *= 10) {
    values.push_back(p);
    values.push_back(p - 1);
    values.push_back(-p);
    values.push_back(p + 1);
  }
  for (std::int64_t v : values) check_all(v);
  admit_test::Random r(9);
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<std::int64_t>(r.next() >> r.below(64));
    check_all(v);
    check_all(-v);
  }
}
