#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "admit/decimal.hpp"

using admit::Decimal;

namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

Decimal dec(const char* text) {
  const auto d = Decimal::parse(text);
  INFO("parsing " << text);
  REQUIRE(d.has_value());
  return *d;
}

std::string str(Decimal d) { return d.to_string(); }

std::string add(const char* a, const char* b) {
  Decimal out;
  REQUIRE(admit::checked_add(dec(a), dec(b), out));
  return str(out);
}

std::string mul(const char* a, const char* b) {
  Decimal out;
  REQUIRE(admit::checked_mul(dec(a), dec(b), out));
  return str(out);
}

std::string div(const char* a, const char* b) {
  Decimal out;
  REQUIRE(admit::checked_div(dec(a), dec(b), out));
  return str(out);
}

}  // namespace

TEST_CASE("Decimal: construction and constants", "[decimal]") {
  STATIC_REQUIRE(Decimal{}.units() == 0);
  STATIC_REQUIRE(Decimal::from_units(42).units() == 42);
  STATIC_REQUIRE(Decimal::from_int(3).units() == 3'000'000);
  STATIC_REQUIRE(Decimal::from_int(-3).units() == -3'000'000);
  STATIC_REQUIRE(Decimal::kOne == 1'000'000);
  STATIC_REQUIRE(Decimal::kScale == 6);
  STATIC_REQUIRE(Decimal::from_int(9'223'372'036'854).units() == 9'223'372'036'854'000'000);
  STATIC_REQUIRE(Decimal::from_int(-9'223'372'036'854).units() == -9'223'372'036'854'000'000);
  STATIC_REQUIRE(Decimal::max().units() == kMax);
  STATIC_REQUIRE(Decimal::min().units() == kMin);
  STATIC_REQUIRE(Decimal::from_int(1) < Decimal::from_int(2));
  STATIC_REQUIRE(Decimal::from_units(1'000'000) == Decimal::from_int(1));
}

TEST_CASE("Decimal: 0.1 + 0.2 == 0.3 exactly", "[decimal]") {
  Decimal sum;
  REQUIRE(admit::checked_add(dec("0.1"), dec("0.2"), sum));
  CHECK(sum == dec("0.3"));
  CHECK(sum.units() == 300'000);
  CHECK(str(sum) == "0.3");
}

TEST_CASE("Decimal: parse accepts the documented grammar", "[decimal]") {
  CHECK(dec("12").units() == 12'000'000);
  CHECK(dec("-0.35").units() == -350'000);
  CHECK(dec("+3.5").units() == 3'500'000);
  CHECK(dec("0.000001").units() == 1);
  CHECK(dec("-0.000001").units() == -1);
  CHECK(dec("0").units() == 0);
  CHECK(dec("-0").units() == 0);
  CHECK(dec("+0.0").units() == 0);
  CHECK(dec("007.50").units() == 7'500'000);
  CHECK(dec("1.123456").units() == 1'123'456);
  CHECK(dec("1.100000").units() == 1'100'000);
  CHECK(dec("00000000000000000000000000001").units() == 1'000'000);
}

TEST_CASE("Decimal: parse rejects malformed text", "[decimal]") {
  const char* bad[] = {"",      "-",     "+",      ".",       ".5",       "5.",     "-.5",   "+.",
                       "1.2.3", "1e3",   "1E3",    " 1",      "1 ",       "1,5",    "--1",   "+-1",
                       "-+1",   "0x10",  "1_000",  "1'000",   "inf",      "nan",    "abc",   "12a",
                       "1.a",   "1.-1",  "１",     "1.0000001", "0.1234567", "-0.0000001", "0.0000000"};
  for (const char* text : bad) {
    INFO("text: \"" << text << '"');
    CHECK_FALSE(Decimal::parse(text).has_value());
  }
  // Embedded NUL: the view length, not C-string semantics, is what counts.
  CHECK_FALSE(Decimal::parse(std::string_view("1\0", 2)).has_value());
  CHECK(Decimal::parse(std::string_view("12", 1)) == Decimal::from_int(1));
}

TEST_CASE("Decimal: parse range limits are exactly the int64 unit range", "[decimal]") {
  CHECK(dec("9223372036854.775807").units() == kMax);
  CHECK(dec("-9223372036854.775808").units() == kMin);
  CHECK(dec("9223372036854").units() == 9'223'372'036'854'000'000);
  CHECK_FALSE(Decimal::parse("9223372036854.775808").has_value());
  CHECK_FALSE(Decimal::parse("-9223372036854.775809").has_value());
  CHECK_FALSE(Decimal::parse("9223372036855").has_value());
  CHECK_FALSE(Decimal::parse("-9223372036855").has_value());
  CHECK_FALSE(Decimal::parse("18446744073709.551616").has_value());
  CHECK_FALSE(Decimal::parse("99999999999999999999999999999999999999999").has_value());
  CHECK_FALSE(Decimal::parse("-99999999999999999999999999999999999999999.5").has_value());
}

TEST_CASE("Decimal: canonical text", "[decimal]") {
  CHECK(str(Decimal{}) == "0");
  CHECK(str(Decimal::from_int(30)) == "30");
  CHECK(str(dec("30.50")) == "30.5");
  CHECK(str(dec("-0.35")) == "-0.35");
  CHECK(str(dec("+3.5")) == "3.5");
  CHECK(str(dec("-0")) == "0");
  CHECK(str(dec("0.000001")) == "0.000001");
  CHECK(str(dec("-0.000001")) == "-0.000001");
  CHECK(str(dec("100")) == "100");
  CHECK(str(dec("100.010")) == "100.01");
  CHECK(str(dec("007")) == "7");
  CHECK(str(Decimal::max()) == "9223372036854.775807");
  CHECK(str(Decimal::min()) == "-9223372036854.775808");

  char buf[Decimal::kMaxTextLength];
  const std::size_t n = Decimal::min().format_to(buf);
  CHECK(n == 21);
  CHECK(std::string(buf, n) == "-9223372036854.775808");
  CHECK(std::string(buf, dec("-12.5").format_to(buf)) == "-12.5");
}

TEST_CASE("Decimal: text round trips", "[decimal]") {
  const char* canonical[] = {"0",        "1",         "-1",        "0.5",       "-0.5",
                             "123.456",  "-123.456",  "0.000001",  "-0.000001", "999999.999999",
                             "1000000",  "85.1",      "3.141592",  "9223372036854.775807",
                             "-9223372036854.775808", "42.000042"};
  for (const char* text : canonical) {
    INFO(text);
    CHECK(str(dec(text)) == text);
  }
  // Units round trip over a spread of magnitudes and signs.
  std::int64_t values[] = {0, 1, -1, 9, 10, 99, 100, 999'999, 1'000'000, 1'000'001, -1'000'001, 123'456'789,
                           kMax, kMin, kMax - 1, kMin + 1, kMax / 10, kMin / 7};
  for (std::int64_t u : values) {
    INFO(u);
    const auto parsed = Decimal::parse(str(Decimal::from_units(u)));
    REQUIRE(parsed.has_value());
    CHECK(parsed->units() == u);
  }
  for (std::int64_t u = -2'000'000; u <= 2'000'000; u += 7'919) {
    const auto parsed = Decimal::parse(str(Decimal::from_units(u)));
    REQUIRE(parsed.has_value());
    CHECK(parsed->units() == u);
  }
}

TEST_CASE("Decimal: ordering", "[decimal]") {
  CHECK(dec("-0.000001") < Decimal{});
  CHECK(dec("1.5") > dec("1.499999"));
  CHECK(dec("85.1") >= dec("85.10"));
  CHECK(dec("-2") < dec("-1.999999"));
  CHECK(Decimal::min() < Decimal::max());
  CHECK((dec("2") <=> dec("2.0")) == std::strong_ordering::equal);
}

TEST_CASE("Decimal: add and sub", "[decimal]") {
  CHECK(add("1.5", "2.25") == "3.75");
  CHECK(add("-1.5", "1.5") == "0");
  CHECK(add("-0.000001", "-0.000001") == "-0.000002");

  Decimal out = Decimal::from_int(7);
  CHECK(admit::checked_add(Decimal::max(), Decimal::from_units(0), out));
  CHECK(out == Decimal::max());
  CHECK_FALSE(admit::checked_add(Decimal::max(), Decimal::from_units(1), out));
  CHECK_FALSE(admit::checked_add(Decimal::min(), Decimal::from_units(-1), out));
  CHECK_FALSE(admit::checked_add(Decimal::max(), Decimal::max(), out));
  CHECK(admit::checked_add(Decimal::max(), Decimal::min(), out));
  CHECK(out.units() == -1);

  CHECK(admit::checked_sub(dec("10"), dec("0.1"), out));
  CHECK(str(out) == "9.9");
  CHECK(admit::checked_sub(dec("0.1"), dec("10"), out));
  CHECK(str(out) == "-9.9");
  CHECK_FALSE(admit::checked_sub(Decimal::min(), Decimal::from_units(1), out));
  CHECK_FALSE(admit::checked_sub(Decimal::from_units(0), Decimal::min(), out));
  CHECK_FALSE(admit::checked_sub(Decimal::max(), Decimal::from_units(-1), out));
  CHECK(admit::checked_sub(Decimal::from_units(-1), Decimal::min(), out));
  CHECK(out == Decimal::max());
}

TEST_CASE("Decimal: multiplication", "[decimal]") {
  CHECK(mul("1.5", "2") == "3");
  CHECK(mul("-1.5", "2") == "-3");
  CHECK(mul("-1.5", "-2") == "3");
  CHECK(mul("0.1", "0.1") == "0.01");
  CHECK(mul("0.001", "0.001") == "0.000001");
  CHECK(mul("123.456", "0") == "0");
  CHECK(mul("1000000", "1000000") == "1000000000000");
  CHECK(mul("85.5", "0.3") == "25.65");

  SECTION("half to even on the sixth place") {
    CHECK(mul("0.000001", "0.5") == "0");          // 0.0000005 -> 0 (even)
    CHECK(mul("0.000003", "0.5") == "0.000002");   // 0.0000015 -> 0.000002 (even)
    CHECK(mul("0.000005", "0.5") == "0.000002");   // 0.0000025 -> 0.000002
    CHECK(mul("0.000007", "0.5") == "0.000004");   // 0.0000035 -> 0.000004
    CHECK(mul("-0.000001", "0.5") == "0");
    CHECK(mul("-0.000003", "0.5") == "-0.000002");
    CHECK(mul("0.000001", "-0.5") == "0");
    CHECK(mul("-0.000003", "-0.5") == "0.000002");
    CHECK(mul("0.000001", "0.500001") == "0.000001");  // above half rounds up
    CHECK(mul("0.000001", "0.499999") == "0");         // below half rounds down
    CHECK(mul("-0.000001", "0.500001") == "-0.000001");
    CHECK(mul("0.000001", "0.000001") == "0");
  }

  SECTION("overflow") {
    Decimal out;
    CHECK_FALSE(admit::checked_mul(Decimal::max(), Decimal::from_int(2), out));
    CHECK_FALSE(admit::checked_mul(Decimal::min(), Decimal::from_int(-1), out));
    CHECK_FALSE(admit::checked_mul(Decimal::max(), Decimal::max(), out));
    CHECK_FALSE(admit::checked_mul(Decimal::min(), Decimal::min(), out));
    CHECK_FALSE(admit::checked_mul(dec("4000000"), dec("4000000"), out));
    CHECK(admit::checked_mul(Decimal::max(), Decimal::from_int(1), out));
    CHECK(out == Decimal::max());
    CHECK(admit::checked_mul(Decimal::min(), Decimal::from_int(1), out));
    CHECK(out == Decimal::min());
    CHECK(admit::checked_mul(Decimal::max(), Decimal::from_int(-1), out));
    CHECK(out.units() == -kMax);
    CHECK(admit::checked_mul(Decimal::max(), dec("0.5"), out));
    CHECK(out.units() == kMax / 2 + 1);  // ...807 / 2 = ...403.5 -> ...404 (even)
    CHECK(admit::checked_mul(Decimal::min(), dec("0.000001"), out));
    CHECK(out.units() == -9'223'372'036'855);  // -9223372036854.775808 -> rounds to -...855 (0.775808 > half)
  }
}

TEST_CASE("Decimal: division", "[decimal]") {
  CHECK(div("1", "4") == "0.25");
  CHECK(div("10", "4") == "2.5");
  CHECK(div("-10", "4") == "-2.5");
  CHECK(div("1", "3") == "0.333333");
  CHECK(div("2", "3") == "0.666667");
  CHECK(div("-2", "3") == "-0.666667");
  CHECK(div("2", "-3") == "-0.666667");
  CHECK(div("-2", "-3") == "0.666667");
  CHECK(div("0", "-3") == "0");
  CHECK(div("0.3", "0.1") == "3");
  CHECK(div("1", "0.000001") == "1000000");

  SECTION("half to even on the sixth place") {
    CHECK(div("0.000001", "2") == "0");          // 0.0000005 -> 0
    CHECK(div("0.000003", "2") == "0.000002");   // 0.0000015 -> 0.000002
    CHECK(div("0.000005", "2") == "0.000002");   // 0.0000025 -> 0.000002
    CHECK(div("-0.000001", "2") == "0");
    CHECK(div("-0.000003", "2") == "-0.000002");
    CHECK(div("0.000003", "-2") == "-0.000002");
    CHECK(div("0.000001", "3") == "0");          // 0.00000033.. below half
    CHECK(div("0.000002", "3") == "0.000001");   // 0.00000066.. above half
  }

  SECTION("division by zero and overflow") {
    Decimal out = Decimal::from_int(5);
    CHECK_FALSE(admit::checked_div(dec("1"), Decimal{}, out));
    CHECK_FALSE(admit::checked_div(Decimal{}, Decimal{}, out));
    CHECK_FALSE(admit::checked_div(Decimal::min(), Decimal{}, out));
    CHECK_FALSE(admit::checked_div(Decimal::max(), dec("0.5"), out));
    CHECK_FALSE(admit::checked_div(Decimal::max(), dec("0.000001"), out));
    CHECK_FALSE(admit::checked_div(Decimal::min(), dec("-1"), out));
    CHECK_FALSE(admit::checked_div(dec("10000000"), dec("0.000001"), out));
    CHECK(admit::checked_div(Decimal::min(), dec("1"), out));
    CHECK(out == Decimal::min());
    CHECK(admit::checked_div(Decimal::max(), dec("-1"), out));
    CHECK(out.units() == -kMax);
    CHECK(admit::checked_div(Decimal::min(), Decimal::min(), out));
    CHECK(out == Decimal::from_int(1));
    CHECK(admit::checked_div(Decimal::from_units(1), Decimal::max(), out));
    CHECK(out.units() == 0);
  }
}

TEST_CASE("Decimal: rounding functions", "[decimal]") {
  using admit::ceil;
  using admit::floor;
  using admit::round_half_up;
  using admit::truncate;

  SECTION("round_half_up is 四舍五入: ties away from zero") {
    CHECK(str(round_half_up(dec("2.45"), 1)) == "2.5");
    CHECK(str(round_half_up(dec("-2.45"), 1)) == "-2.5");
    CHECK(str(round_half_up(dec("2.44"), 1)) == "2.4");
    CHECK(str(round_half_up(dec("-2.44"), 1)) == "-2.4");
    CHECK(str(round_half_up(dec("2.5"), 0)) == "3");
    CHECK(str(round_half_up(dec("3.5"), 0)) == "4");
    CHECK(str(round_half_up(dec("-0.5"), 0)) == "-1");
    CHECK(str(round_half_up(dec("0.499999"), 0)) == "0");
    CHECK(str(round_half_up(dec("99.995"), 2)) == "100");
    CHECK(str(round_half_up(dec("1.234567"), 5)) == "1.23457");
    CHECK(str(round_half_up(dec("1.234565"), 5)) == "1.23457");
    CHECK(str(round_half_up(dec("0.000005"), 5)) == "0.00001");
  }

  SECTION("truncate toward zero") {
    CHECK(str(truncate(dec("2.99"), 0)) == "2");
    CHECK(str(truncate(dec("-2.99"), 0)) == "-2");
    CHECK(str(truncate(dec("-2.99"), 1)) == "-2.9");
    CHECK(str(truncate(dec("123.456789"), 3)) == "123.456");
    CHECK(str(truncate(dec("-0.5"), 0)) == "0");
  }

  SECTION("floor and ceil, including negatives") {
    CHECK(str(floor(dec("2.1"))) == "2");
    CHECK(str(floor(dec("-2.1"))) == "-3");
    CHECK(str(floor(dec("-2"))) == "-2");
    CHECK(str(floor(dec("-0.000001"))) == "-1");
    CHECK(str(floor(dec("-2.15"), 1)) == "-2.2");
    CHECK(str(ceil(dec("2.1"))) == "3");
    CHECK(str(ceil(dec("-2.1"))) == "-2");
    CHECK(str(ceil(dec("-0.9"))) == "0");
    CHECK(str(ceil(dec("0.000001"))) == "1");
    CHECK(str(ceil(dec("2.11"), 1)) == "2.2");
    CHECK(str(ceil(dec("-2.19"), 1)) == "-2.1");
    CHECK(str(ceil(dec("5"))) == "5");
  }

  SECTION("digits outside 0..6 leave the value unchanged; 6 is the identity") {
    const Decimal v = dec("-2.345678");
    for (int digits : {-1, -100, 6, 7, 1000}) {
      CHECK(round_half_up(v, digits) == v);
      CHECK(truncate(v, digits) == v);
      CHECK(floor(v, digits) == v);
      CHECK(ceil(v, digits) == v);
    }
  }

  SECTION("results that would leave the int64 range fall back to truncation") {
    CHECK(str(ceil(Decimal::max())) == "9223372036854");
    CHECK(str(round_half_up(Decimal::max(), 0)) == "9223372036854");
    CHECK(str(floor(Decimal::min())) == "-9223372036854");
    CHECK(str(round_half_up(Decimal::min(), 2)) == "-9223372036854.77");
    CHECK(str(floor(Decimal::max())) == "9223372036854");
    CHECK(str(ceil(Decimal::min())) == "-9223372036854");
    CHECK(str(round_half_up(Decimal::max(), 5)) == "9223372036854.7758");
  }
}

TEST_CASE("Decimal: checked_round", "[decimal]") {
  using admit::RoundingMode;
  Decimal out;
  auto round = [&](const char* text, int digits, RoundingMode mode) {
    REQUIRE(admit::checked_round(dec(text), digits, mode, out));
    return str(out);
  };
  CHECK(round("2.45", 1, RoundingMode::half_up) == "2.5");
  CHECK(round("2.45", 1, RoundingMode::half_even) == "2.4");
  CHECK(round("2.55", 1, RoundingMode::half_even) == "2.6");
  CHECK(round("-2.45", 1, RoundingMode::half_even) == "-2.4");
  CHECK(round("-2.55", 1, RoundingMode::half_even) == "-2.6");
  CHECK(round("2.451", 1, RoundingMode::half_even) == "2.5");
  CHECK(round("0.5", 0, RoundingMode::half_even) == "0");
  CHECK(round("1.5", 0, RoundingMode::half_even) == "2");
  CHECK(round("-2.9", 0, RoundingMode::truncate) == "-2");
  CHECK(round("-2.1", 0, RoundingMode::floor) == "-3");
  CHECK(round("-2.9", 0, RoundingMode::ceil) == "-2");

  CHECK_FALSE(admit::checked_round(Decimal::max(), 0, RoundingMode::ceil, out));
  CHECK_FALSE(admit::checked_round(Decimal::max(), 0, RoundingMode::half_up, out));
  CHECK_FALSE(admit::checked_round(Decimal::max(), 0, RoundingMode::half_even, out));
  CHECK_FALSE(admit::checked_round(Decimal::min(), 0, RoundingMode::floor, out));
  CHECK_FALSE(admit::checked_round(Decimal::min(), 5, RoundingMode::half_up, out));
  CHECK(admit::checked_round(Decimal::max(), 0, RoundingMode::floor, out));
  CHECK(admit::checked_round(Decimal::min(), 0, RoundingMode::ceil, out));
  CHECK(admit::checked_round(Decimal::min(), 0, RoundingMode::truncate, out));
  CHECK(admit::checked_round(Decimal::max(), 6, RoundingMode::ceil, out));
  CHECK(out == Decimal::max());
  CHECK(admit::checked_round(Decimal::min(), -3, RoundingMode::floor, out));
  CHECK(out == Decimal::min());
}
