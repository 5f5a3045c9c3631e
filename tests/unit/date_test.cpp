#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <string>

#include "admit/date.hpp"

using admit::Date;

namespace {

Date ymd(int y, int m, int d) {
  const auto date = Date::from_ymd(y, m, d);
  INFO(y << '-' << m << '-' << d);
  REQUIRE(date.has_value());
  return *date;
}

Date parse(const char* text) {
  const auto date = Date::parse(text);
  INFO(text);
  REQUIRE(date.has_value());
  return *date;
}

std::string plus_months(const char* text, std::int64_t months) {
  Date out;
  REQUIRE(admit::add_months(parse(text), months, out));
  return out.to_string();
}

std::string plus_years(const char* text, std::int64_t years) {
  Date out;
  REQUIRE(admit::add_years(parse(text), years, out));
  return out.to_string();
}

std::string plus_days(const char* text, std::int64_t days) {
  Date out;
  REQUIRE(admit::add_days(parse(text), days, out));
  return out.to_string();
}

int age(const char* born, const char* on) { return admit::full_years_between(parse(born), parse(on)); }
int months(const char* from, const char* to) { return admit::full_months_between(parse(from), parse(to)); }

}  // namespace

TEST_CASE("Date: epoch, constants and accessors", "[date]") {
  STATIC_REQUIRE(Date{}.days() == 0);
  STATIC_REQUIRE(Date::from_days(-1).days() == -1);
  STATIC_REQUIRE(Date::from_days(1) > Date{});
  CHECK(Date{}.to_string() == "1970-01-01");
  CHECK(Date::from_days(-1).to_string() == "1969-12-31");
  CHECK(Date::from_days(1).to_string() == "1970-01-02");
  CHECK(ymd(1970, 1, 1) == Date{});
  CHECK(ymd(2000, 1, 1).days() == 10957);
  CHECK(ymd(2020, 8, 31).days() == 18505);
  CHECK(Date::min() == ymd(1, 1, 1));
  CHECK(Date::max() == ymd(9999, 12, 31));
  CHECK(Date::min().to_string() == "0001-01-01");
  CHECK(Date::max().to_string() == "9999-12-31");

  const Date d = ymd(2017, 3, 15);
  CHECK(d.year() == 2017);
  CHECK(d.month() == 3);
  CHECK(d.day() == 15);

  char buf[12] = "##########X";
  d.format_to(buf);
  CHECK(std::string(buf, 11) == "2017-03-15X");  // exactly 10 chars written
}

TEST_CASE("Date: leap years and month lengths", "[date]") {
  CHECK_FALSE(admit::is_leap_year(1900));
  CHECK(admit::is_leap_year(2000));
  CHECK(admit::is_leap_year(2020));
  CHECK(admit::is_leap_year(2024));
  CHECK_FALSE(admit::is_leap_year(2023));
  CHECK_FALSE(admit::is_leap_year(2100));
  CHECK(admit::is_leap_year(2400));
  CHECK(admit::is_leap_year(4));
  CHECK_FALSE(admit::is_leap_year(1));

  CHECK(admit::days_in_month(2023, 2) == 28);
  CHECK(admit::days_in_month(2024, 2) == 29);
  CHECK(admit::days_in_month(1900, 2) == 28);
  CHECK(admit::days_in_month(2000, 2) == 29);
  CHECK(admit::days_in_month(2023, 1) == 31);
  CHECK(admit::days_in_month(2023, 4) == 30);
  CHECK(admit::days_in_month(2023, 12) == 31);
  CHECK(admit::days_in_month(2023, 0) == 0);
  CHECK(admit::days_in_month(2023, 13) == 0);
}

TEST_CASE("Date: from_ymd rejects impossible dates", "[date]") {
  CHECK_FALSE(Date::from_ymd(2023, 2, 29).has_value());
  CHECK(Date::from_ymd(2024, 2, 29).has_value());
  CHECK_FALSE(Date::from_ymd(1900, 2, 29).has_value());
  CHECK(Date::from_ymd(2000, 2, 29).has_value());
  CHECK_FALSE(Date::from_ymd(2023, 13, 1).has_value());
  CHECK_FALSE(Date::from_ymd(2023, 0, 1).has_value());
  CHECK_FALSE(Date::from_ymd(2023, 1, 0).has_value());
  CHECK_FALSE(Date::from_ymd(2023, 1, 32).has_value());
  CHECK_FALSE(Date::from_ymd(2023, 4, 31).has_value());
  CHECK_FALSE(Date::from_ymd(2023, -1, 1).has_value());
  CHECK_FALSE(Date::from_ymd(2023, 1, -1).has_value());
  CHECK_FALSE(Date::from_ymd(0, 1, 1).has_value());
  CHECK_FALSE(Date::from_ymd(-1, 1, 1).has_value());
  CHECK_FALSE(Date::from_ymd(10000, 1, 1).has_value());
  CHECK_FALSE(Date::from_ymd(2147483647, 1, 1).has_value());
  CHECK_FALSE(Date::from_ymd(-2147483647 - 1, 1, 1).has_value());
  CHECK_FALSE(Date::from_ymd(2023, 2147483647, 1).has_value());
  CHECK_FALSE(Date::from_ymd(2023, 1, 2147483647).has_value());
}

TEST_CASE("Date: parse is strict", "[date]") {
  CHECK(parse("2020-08-31") == ymd(2020, 8, 31));
  CHECK(parse("0001-01-01") == Date::min());
  CHECK(parse("9999-12-31") == Date::max());
  CHECK(parse("2024-02-29").to_string() == "2024-02-29");
  const char* bad[] = {"",           "2020-8-31",   "2020-08-1",   "2020-08-31x", " 2020-08-31", "2020-08-31 ",
                       "2020/08/31", "20200831",    "2020-0831",   "2020-08--1",  "2020-+8-31",  "+020-08-31",
                       "-020-08-31", "2023-02-29",  "2020-13-01",  "2020-00-10",  "2020-01-00",  "0000-01-01",
                       "2020-04-31", "2020-08-3a",  "２020-08-31", "2020_08_31",  "2020-08-31T00:00"};
  for (const char* text : bad) {
    INFO('"' << text << '"');
    CHECK_FALSE(Date::parse(text).has_value());
  }
  CHECK_FALSE(Date::parse(std::string_view("2020-08-3\0", 10)).has_value());
}

TEST_CASE("Date: every day from 1900 to 2100 round-trips", "[date]") {
  // Walk the calendar with naive increments and compare against the constant-time algorithms.
  int y = 1900, m = 1, d = 1;
  std::int32_t days = ymd(1900, 1, 1).days();
  CHECK(days == -25567);
  std::int64_t mismatches = 0;
  while (y <= 2100) {
    const auto from_fields = Date::from_ymd(y, m, d);
    const Date from_days = Date::from_days(days);
    if (!from_fields || from_fields->days() != days || from_days.year() != y || from_days.month() != m ||
        from_days.day() != d) {
      ++mismatches;
    }
    if (d < 28) {
      char expected[40];
      std::snprintf(expected, sizeof expected, "%04d-%02d-%02d", y, m, d);
      if (from_days.to_string() != expected || Date::parse(expected) != from_days) ++mismatches;
    }
    ++days;
    if (++d > admit::days_in_month(y, m)) {
      d = 1;
      if (++m > 12) {
        m = 1;
        ++y;
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(days == ymd(2101, 1, 1).days());
}

TEST_CASE("Date: day numbers over the whole supported range round-trip", "[date]") {
  std::int64_t mismatches = 0;
  int previous_year = 1;
  for (std::int32_t days = Date::kMinDays; days <= Date::kMaxDays; ++days) {
    const Date date = Date::from_days(days);
    const int y = date.year();
    const auto back = Date::from_ymd(y, date.month(), date.day());
    if (!back || back->days() != days || y < previous_year) ++mismatches;
    previous_year = y;
  }
  CHECK(mismatches == 0);
  CHECK(Date::from_days(Date::kMinDays - 1).year() == 0);
  CHECK(Date::from_days(Date::kMaxDays + 1).year() == 10000);
}

TEST_CASE("Date: full_years_between (ages)", "[date]") {
  // The 31 August cutoff: born 2020-08-31 is 6 on 2026-08-31 but only 5 the day before.
  CHECK(age("2020-08-31", "2026-08-31") == 6);
  CHECK(age("2020-08-31", "2026-08-30") == 5);
  CHECK(age("2020-09-01", "2026-08-31") == 5);
  CHECK(age("2020-08-31", "2020-08-31") == 0);
  CHECK(age("2020-08-31", "2021-08-30") == 0);
  CHECK(age("2020-08-31", "2021-08-31") == 1);
  CHECK(age("2019-12-31", "2020-01-01") == 0);
  CHECK(age("1949-10-01", "2024-10-01") == 75);

  SECTION("29 February births complete the year on 1 March in non-leap years") {
    CHECK(age("2020-02-29", "2021-02-28") == 0);
    CHECK(age("2020-02-29", "2021-03-01") == 1);
    CHECK(age("2020-02-29", "2024-02-28") == 3);
    CHECK(age("2020-02-29", "2024-02-29") == 4);
    CHECK(age("2020-02-29", "2026-02-28") == 5);
    CHECK(age("2020-02-29", "2026-03-01") == 6);
    CHECK(age("2000-02-29", "2100-02-28") == 99);  // 2100 is not a leap year
    CHECK(age("2000-02-29", "2100-03-01") == 100);
  }

  SECTION("negative spans are symmetric") {
    CHECK(age("2026-08-31", "2020-08-31") == -6);
    CHECK(age("2026-08-30", "2020-08-31") == -5);
    CHECK(age("2021-03-01", "2020-02-29") == -1);
    CHECK(age("2021-02-28", "2020-02-29") == 0);
    const char* pairs[][2] = {{"2020-02-29", "2023-03-01"}, {"2001-01-31", "2011-01-30"}, {"1900-12-31", "2100-01-01"}};
    for (auto& p : pairs) CHECK(age(p[0], p[1]) == -age(p[1], p[0]));
  }

  SECTION("extremes") {
    CHECK(admit::full_years_between(Date::min(), Date::max()) == 9998);
    CHECK(admit::full_years_between(Date::max(), Date::min()) == -9998);
  }
}

TEST_CASE("Date: full_months_between", "[date]") {
  CHECK(months("2020-01-15", "2020-02-15") == 1);
  CHECK(months("2020-01-15", "2020-02-14") == 0);
  CHECK(months("2020-01-15", "2021-01-15") == 12);
  CHECK(months("2020-01-15", "2020-01-15") == 0);
  CHECK(months("2019-12-31", "2020-01-01") == 0);

  SECTION("end of month: a missing day is reached on the 1st of the following month") {
    CHECK(months("2020-01-31", "2020-02-29") == 0);
    CHECK(months("2020-01-31", "2020-03-01") == 1);
    CHECK(months("2020-01-31", "2020-03-30") == 1);
    CHECK(months("2020-01-31", "2020-03-31") == 2);
    CHECK(months("2020-01-31", "2020-04-30") == 2);
    CHECK(months("2020-01-31", "2020-05-01") == 3);
    CHECK(months("2021-01-29", "2021-02-28") == 0);
    CHECK(months("2021-01-29", "2021-03-01") == 1);
    CHECK(months("2020-01-30", "2020-02-29") == 0);
    CHECK(months("2020-02-29", "2020-03-29") == 1);
    CHECK(months("2020-02-29", "2021-02-28") == 11);
    CHECK(months("2020-02-29", "2021-03-01") == 12);
  }

  SECTION("negative spans are symmetric") {
    CHECK(months("2020-02-15", "2020-01-15") == -1);
    CHECK(months("2020-03-01", "2020-01-31") == -1);
    CHECK(months("2020-02-29", "2020-01-31") == 0);
    CHECK(months("2021-01-15", "2020-01-15") == -12);
  }

  SECTION("consistent with ages") {
    const char* pairs[][2] = {{"2020-08-31", "2026-08-31"}, {"2020-08-31", "2026-08-30"}, {"2020-02-29", "2021-03-01"},
                              {"2020-02-29", "2021-02-28"}, {"1999-05-17", "2024-11-02"}};
    for (auto& p : pairs) {
      INFO(p[0] << " -> " << p[1]);
      CHECK(months(p[0], p[1]) / 12 == age(p[0], p[1]));
    }
  }
}

TEST_CASE("Date: days_between", "[date]") {
  CHECK(admit::days_between(parse("2020-01-01"), parse("2021-01-01")) == 366);
  CHECK(admit::days_between(parse("2021-01-01"), parse("2022-01-01")) == 365);
  CHECK(admit::days_between(parse("2021-01-01"), parse("2020-01-01")) == -366);
  CHECK(admit::days_between(parse("2020-08-31"), parse("2020-08-31")) == 0);
  CHECK(admit::days_between(Date::min(), Date::max()) == Date::kMaxDays - Date::kMinDays);
}

TEST_CASE("Date: add_days / add_months / add_years", "[date]") {
  CHECK(plus_days("2020-02-28", 1) == "2020-02-29");
  CHECK(plus_days("2021-02-28", 1) == "2021-03-01");
  CHECK(plus_days("2020-12-31", 1) == "2021-01-01");
  CHECK(plus_days("2020-01-01", -1) == "2019-12-31");
  CHECK(plus_days("2020-01-01", 0) == "2020-01-01");
  CHECK(plus_days("1970-01-01", 18505) == "2020-08-31");

  SECTION("month arithmetic clamps to the end of the month") {
    CHECK(plus_months("2020-01-31", 1) == "2020-02-29");
    CHECK(plus_months("2021-01-31", 1) == "2021-02-28");
    CHECK(plus_months("2020-01-31", 2) == "2020-03-31");
    CHECK(plus_months("2020-03-31", -1) == "2020-02-29");
    CHECK(plus_months("2020-05-31", 1) == "2020-06-30");
    CHECK(plus_months("2020-01-15", 12) == "2021-01-15");
    CHECK(plus_months("2020-01-15", -1) == "2019-12-15");
    CHECK(plus_months("2020-01-15", -13) == "2018-12-15");
    CHECK(plus_months("2020-12-15", 1) == "2021-01-15");
    CHECK(plus_months("2020-01-15", 0) == "2020-01-15");
    CHECK(plus_months("2020-01-15", -24) == "2018-01-15");
    CHECK(plus_years("2020-02-29", 1) == "2021-02-28");
    CHECK(plus_years("2020-02-29", 4) == "2024-02-29");
    CHECK(plus_years("2020-02-29", -100) == "1920-02-29");
    CHECK(plus_years("2020-02-29", 80) == "2100-02-28");
    CHECK(plus_years("2020-08-31", -6) == "2014-08-31");
  }

  SECTION("leaving years 1..9999 fails and leaves out untouched") {
    const Date sentinel = ymd(2000, 1, 1);
    Date out = sentinel;
    CHECK_FALSE(admit::add_days(Date::max(), 1, out));
    CHECK_FALSE(admit::add_days(Date::min(), -1, out));
    CHECK_FALSE(admit::add_days(Date{}, INT64_MAX, out));
    CHECK_FALSE(admit::add_days(Date{}, INT64_MIN, out));
    CHECK_FALSE(admit::add_months(parse("9999-12-01"), 1, out));
    CHECK_FALSE(admit::add_months(parse("0001-01-31"), -1, out));
    CHECK_FALSE(admit::add_months(Date{}, INT64_MAX, out));
    CHECK_FALSE(admit::add_months(Date{}, INT64_MIN, out));
    CHECK_FALSE(admit::add_years(parse("9999-01-01"), 1, out));
    CHECK_FALSE(admit::add_years(parse("0001-12-31"), -1, out));
    CHECK_FALSE(admit::add_years(Date{}, INT64_MAX, out));
    CHECK_FALSE(admit::add_years(Date{}, INT64_MIN, out));
    CHECK(out == sentinel);
    CHECK(admit::add_days(Date::min(), Date::kMaxDays - Date::kMinDays, out));
    CHECK(out == Date::max());
    CHECK(admit::add_months(Date::min(), 9999 * 12 - 1, out));
    CHECK(out.to_string() == "9999-12-01");
    CHECK(admit::add_years(Date::max(), -9998, out));
    CHECK(out.to_string() == "0001-12-31");
  }
}
