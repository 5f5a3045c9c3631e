#include "admit/date.hpp"

#include <cstdint>

namespace admit {
namespace {

struct Civil {
  std::int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

// Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms": days_from_civil.
// Eras of 400 years (146097 days) starting on 1 March make the leap day the last day of the year.
constexpr std::int64_t days_from_civil(std::int64_t y, int m, int d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;                                       // [0, 399]
  const std::int64_t mp = m > 2 ? m - 3 : m + 9;                                // [0, 11], March = 0
  const std::int64_t doy = (153 * mp + 2) / 5 + d - 1;                          // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;               // [0, 146096]
  return era * 146097 + doe - 719468;
}

// Howard Hinnant: civil_from_days, the inverse of days_from_civil.
constexpr Civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;                                    // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                  // [0, 11]
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);                 // [1, 31]
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);                    // [1, 12]
  return Civil{y + (m <= 2 ? 1 : 0), m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(1, 1, 1) == Date::kMinDays);
static_assert(days_from_civil(9999, 12, 31) == Date::kMaxDays);
static_assert(civil_from_days(Date::kMinDays).year == 1);
static_assert(civil_from_days(Date::kMaxDays).day == 31);

constexpr bool leap(std::int64_t y) noexcept { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

constexpr int month_length(std::int64_t y, int m) noexcept {
  constexpr int kLengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kLengths[m - 1];
}

constexpr bool in_range(std::int64_t days) noexcept { return days >= Date::kMinDays && days <= Date::kMaxDays; }

Date make(std::int64_t days) noexcept { return Date::from_days(static_cast<std::int32_t>(days)); }

// The day on which `from`'s day-of-month is reached in (year, month): the same day, or the 1st of
// the following month when the month is too short.
std::int64_t anniversary(std::int64_t year, int month, int from_day) noexcept {
  if (from_day <= month_length(year, month)) return days_from_civil(year, month, from_day);
  return days_from_civil(year, month, 1) + month_length(year, month);
}

// Shared by add_months and add_years: month index = year * 12 + (month - 1), clamped day.
bool from_month_index(std::int64_t index, int day, Date& out) noexcept {
  // Floor division; index is bounded by the caller so this cannot overflow.
  const std::int64_t year = index >= 0 ? index / 12 : -((-index + 11) / 12);
  const int month = static_cast<int>(index - year * 12) + 1;
  if (year < 1 || year > 9999) return false;
  const int len = month_length(year, month);
  out = make(days_from_civil(year, month, day < len ? day : len));
  return true;
}

char* put2(char* p, int v) noexcept {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

}  // namespace

std::optional<Date> Date::from_ymd(int year, int month, int day) noexcept {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return std::nullopt;
  if (day > month_length(year, month)) return std::nullopt;
  return make(days_from_civil(year, month, day));
}

std::optional<Date> Date::parse(std::string_view text) noexcept {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int fields[3] = {0, 0, 0};
  int field = 0;
  for (std::size_t i = 0; i < 10; ++i) {
    if (i == 4 || i == 7) {
      ++field;
      continue;
    }
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    fields[field] = fields[field] * 10 + (c - '0');
  }
  return from_ymd(fields[0], fields[1], fields[2]);
}

int Date::year() const noexcept { return static_cast<int>(civil_from_days(days_).year); }
int Date::month() const noexcept { return civil_from_days(days_).month; }
int Date::day() const noexcept { return civil_from_days(days_).day; }

void Date::format_to(char* buf) const noexcept {
  const Civil c = civil_from_days(days_);
  // Out-of-contract years are reduced to four digits so the output length stays exactly 10.
  std::int64_t y = c.year % 10000;
  if (y < 0) y += 10000;
  const int year = static_cast<int>(y);
  char* p = put2(buf, year / 100);
  p = put2(p, year % 100);
  *p++ = '-';
  p = put2(p, c.month);
  *p++ = '-';
  put2(p, c.day);
}

std::string Date::to_string() const {
  char buf[10];
  format_to(buf);
  return std::string(buf, sizeof buf);
}

bool is_leap_year(int year) noexcept { return leap(year); }

int days_in_month(int year, int month) noexcept {
  if (month < 1 || month > 12) return 0;
  return month_length(year, month);
}

int full_years_between(Date from, Date to) noexcept {
  if (to < from) return -full_years_between(to, from);
  const Civil f = civil_from_days(from.days());
  const Civil t = civil_from_days(to.days());
  std::int64_t years = t.year - f.year;
  if (to.days() < anniversary(t.year, f.month, f.day)) --years;
  return static_cast<int>(years);
}

int full_months_between(Date from, Date to) noexcept {
  if (to < from) return -full_months_between(to, from);
  const Civil f = civil_from_days(from.days());
  const Civil t = civil_from_days(to.days());
  std::int64_t months = (t.year - f.year) * 12 + (t.month - f.month);
  if (to.days() < anniversary(t.year, t.month, f.day)) --months;
  return static_cast<int>(months);
}

int days_between(Date from, Date to) noexcept {
  return static_cast<int>(static_cast<std::int64_t>(to.days()) - from.days());
}

bool add_days(Date d, std::int64_t days, Date& out) noexcept {
  // Anything beyond the whole supported span fails; checking first keeps the sum from overflowing.
  constexpr std::int64_t kSpan = std::int64_t{Date::kMaxDays} - Date::kMinDays;
  if (days > kSpan || days < -kSpan) return false;
  const std::int64_t result = std::int64_t{d.days()} + days;
  if (!in_range(result)) return false;
  out = make(result);
  return true;
}

bool add_months(Date d, std::int64_t months, Date& out) noexcept {
  constexpr std::int64_t kSpan = 10000 * 12;
  if (months > kSpan || months < -kSpan) return false;
  const Civil c = civil_from_days(d.days());
  return from_month_index(c.year * 12 + (c.month - 1) + months, c.day, out);
}

bool add_years(Date d, std::int64_t years, Date& out) noexcept {
  if (years > 10000 || years < -10000) return false;
  return add_months(d, years * 12, out);
}

}  // namespace admit
