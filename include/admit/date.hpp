#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace admit {

/// A proleptic Gregorian calendar date, stored as days since 1970-01-01 (may be negative). Years 1..9999.
/// The day count is the VM's 64-bit slot representation, so comparisons and day differences are
/// plain integer operations.
class Date {
 public:
  /// Day numbers of 0001-01-01 and 9999-12-31, the supported range.
  static constexpr std::int32_t kMinDays = -719'162;
  static constexpr std::int32_t kMaxDays = 2'932'896;

  /// 1970-01-01.
  constexpr Date() noexcept = default;

  /// Wraps a day number. The caller guarantees kMinDays <= days_since_epoch <= kMaxDays; outside that
  /// range the accessors still compute the proleptic calendar but the text form is unspecified
  /// (it is memory-safe, never longer than 10 chars).
  static constexpr Date from_days(std::int32_t days_since_epoch) noexcept {
    Date d;
    d.days_ = days_since_epoch;
    return d;
  }

  /// The first and last supported dates.
  static constexpr Date min() noexcept { return from_days(kMinDays); }
  static constexpr Date max() noexcept { return from_days(kMaxDays); }

  /// nullopt for impossible dates (2023-02-29, month 13, day 0, year outside 1..9999).
  static std::optional<Date> from_ymd(int year, int month, int day) noexcept;

  /// Exactly "YYYY-MM-DD" (10 chars, ASCII digits, zero padded); nullopt otherwise or if impossible.
  /// "2020-8-31", " 2020-08-31", "2020-08-31x", "2020/08/31" are all rejected.
  static std::optional<Date> parse(std::string_view text) noexcept;

  /// Days since 1970-01-01.
  constexpr std::int32_t days() const noexcept { return days_; }

  /// Calendar fields (month 1..12, day 1..31), computed in constant time from the day number.
  int year() const noexcept;
  int month() const noexcept;
  int day() const noexcept;

  /// "YYYY-MM-DD".
  std::string to_string() const;
  /// Writes exactly 10 chars ("YYYY-MM-DD"), no NUL. No allocation.
  void format_to(char* buf) const noexcept;

  friend constexpr auto operator<=>(Date, Date) noexcept = default;
  friend constexpr bool operator==(Date, Date) noexcept = default;

 private:
  std::int32_t days_ = 0;
};

/// Gregorian rule: divisible by 4, except centuries not divisible by 400 (1900 no, 2000 yes).
bool is_leap_year(int year) noexcept;
/// 28..31; 0 if month is outside 1..12.
int days_in_month(int year, int month) noexcept;

/// Whole years completed from `from` to `to` (an age); negative when to < from, symmetric:
/// full_years_between(a, b) == -full_years_between(b, a). A year is completed on the same month and
/// day; for a 29 February start, in non-leap years it is completed on 1 March.
/// Example: born 2020-08-31 is 6 on 2026-08-31, 5 on 2026-08-30.
int full_years_between(Date from, Date to) noexcept;

/// Whole months completed, same convention (a month is completed on the same day-of-month; when that
/// day does not exist in the target month, on the 1st of the following month). Negative when to < from,
/// symmetric like full_years_between.
int full_months_between(Date from, Date to) noexcept;

/// to - from in days.
int days_between(Date from, Date to) noexcept;

/// Calendar arithmetic; add_months/add_years clamp the day to the end of the month (2020-01-31 + 1 month
/// = 2020-02-29, 2020-02-29 + 1 year = 2021-02-28). Return false (out untouched) if the result leaves
/// years 1..9999.
bool add_days(Date d, std::int64_t days, Date& out) noexcept;
bool add_months(Date d, std::int64_t months, Date& out) noexcept;
bool add_years(Date d, std::int64_t years, Date& out) noexcept;

}  // namespace admit
