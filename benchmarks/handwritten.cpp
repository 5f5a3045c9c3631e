// The benchmark county by hand. Keep it exactly equivalent to rules/examples/benchmark-county.yaml:
// tests/unit/handwritten_test.cpp compares the two on a generated population.
#include "handwritten.hpp"

#include <cstddef>

namespace bench {

const std::string_view kCertificateIds[kCertificateCount] = {
    "household_register",      "property_certificate", "purchase_contract",       "residence_permit",
    "social_insurance_record", "business_license",     "preferential_certificate"};

const std::string_view kGroupIds[7] = {"preferential",   "hukou_property", "hukou_only",    "property_only",
                                       "migrant_worker", "unplaced",       "ineligible_age"};

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr std::int32_t days_from_civil(int y, int m, int d) noexcept {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

constexpr std::int32_t kBornFrom = days_from_civil(2019, 9, 1);
constexpr std::int32_t kBornTo = days_from_civil(2020, 8, 31);
constexpr std::int64_t kOne = 1'000'000;

constexpr std::uint8_t bit(Certificate c) noexcept { return static_cast<std::uint8_t>(1u << c); }

constexpr std::int64_t kHukouPoints[4] = {30 * kOne, 20 * kOne, 10 * kOne, 0};

}  // namespace

void decide(const HwApplicant& a, HwDecision& d) noexcept {
  if (a.birth_days < kBornFrom || a.birth_days > kBornTo) {
    d.group = kIneligible;
    d.points_units = 0;
    d.missing_count = 0;
    return;
  }
  const bool owns_home = a.property_type == full_title || a.property_type == purchase_contract;
  const std::uint8_t deed = a.property_type == full_title ? bit(property_certificate) : bit(purchase_contract_cert);
  std::uint8_t required = 0;
  if (a.preferential != pref_none) {
    d.group = g_preferential;
    required = bit(household_register) | bit(preferential_certificate);
  } else if (a.hukou_zone == in_zone && owns_home) {
    d.group = g_hukou_property;
    required = bit(household_register) | deed;
  } else if (a.hukou_zone == in_zone) {
    d.group = g_hukou_only;
    required = bit(household_register);
  } else if (owns_home) {
    d.group = g_property_only;
    required = bit(household_register) | deed | bit(residence_permit_cert);
  } else if (a.residence_permit && (a.si_months >= 12 || a.business_license)) {
    d.group = g_migrant_worker;
    required = bit(household_register) | bit(residence_permit_cert) |
               (a.si_months >= 12 ? bit(social_insurance_record) : bit(business_license_cert));
  } else {
    d.group = g_unplaced;
  }
  // Every requirement list is in certificate order, so the missing ones come out in order.
  unsigned missing = required & ~a.held & 0xFFu;
  std::uint8_t n = 0;
  while (missing != 0) {
    d.missing[n++] = static_cast<Certificate>(__builtin_ctz(missing));
    missing &= missing - 1;
  }
  d.missing_count = n;

  std::int64_t points = kHukouPoints[a.hukou_zone];
  if (a.property_type == full_title) points += 30 * kOne;
  else if (a.property_type == purchase_contract) points += 25 * kOne;
  else if (a.rental_registered) points += 10 * kOne + 2 * kOne * (a.rental_years < 5 ? a.rental_years : 5);
  points += kOne / 2 * (a.si_months < 60 ? a.si_months : 60) + (a.business_license ? 10 * kOne : 0);
  if (a.preferential != pref_none) points += 20 * kOne;
  if (a.hukou_zone == in_zone) points += kOne * (a.hukou_years < 10 ? a.hukou_years : 10);
  d.points_units = points;
}

// --- a minimal reader for flat records --------------------------------------------------------

namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  void ws() noexcept {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
  }
  bool eat(char c) noexcept {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  char peek() noexcept {
    ws();
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  // Strings without escapes are all the benchmark records contain.
  bool string(std::string_view& out) noexcept {
    if (!eat('"')) return false;
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\') return false;
      ++i_;
    }
    if (i_ >= s_.size()) return false;
    out = s_.substr(start, i_ - start);
    ++i_;
    return true;
  }
  bool integer(std::int64_t& out) noexcept {
    ws();
    bool negative = false;
    if (i_ < s_.size() && s_[i_] == '-') {
      negative = true;
      ++i_;
    }
    const std::size_t start = i_;
    std::int64_t v = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') v = v * 10 + (s_[i_++] - '0');
    if (i_ == start || i_ - start > 18) return false;
    out = negative ? -v : v;
    return true;
  }
  bool boolean(bool& out) noexcept {
    ws();
    if (s_.substr(i_, 4) == "true") {
      i_ += 4;
      out = true;
      return true;
    }
    if (s_.substr(i_, 5) == "false") {
      i_ += 5;
      out = false;
      return true;
    }
    return false;
  }
  bool skip_value() noexcept {
    const char c = peek();
    std::string_view sv;
    if (c == '"') return string(sv);
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++i_;
      if (eat(close)) return true;
      for (;;) {
        if (c == '{' && !(string(sv) && eat(':'))) return false;
        if (!skip_value()) return false;
        if (eat(close)) return true;
        if (!eat(',')) return false;
      }
    }
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']') ++i_;
    return i_ > start;
  }
  bool at_end() noexcept {
    ws();
    return i_ == s_.size();
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

template <typename E, std::size_t N>
bool lookup(std::string_view s, const std::string_view (&names)[N], E& out) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) {
      out = static_cast<E>(i);
      return true;
    }
  return false;
}

constexpr std::string_view kZones[] = {"in_zone", "city", "province", "outside"};
constexpr std::string_view kProperties[] = {"full_title", "purchase_contract", "small_title", "none"};
constexpr std::string_view kPreferential[] = {"none", "military", "martyr", "police", "talent"};

bool parse_date(std::string_view s, std::int32_t& days) noexcept {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  auto digits = [&](std::size_t from, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d) || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return false;
  days = days_from_civil(y, m, d);
  return true;
}

}  // namespace

bool parse_record(std::string_view json, HwApplicant& a) noexcept {
  a = HwApplicant{};
  Reader r(json);
  if (!r.eat('{')) return false;
  unsigned seen = 0;
  if (r.eat('}')) return false;
  for (;;) {
    std::string_view key, text;
    if (!r.string(key) || !r.eat(':')) return false;
    bool ok = true;
    if (key == "birth_date") {
      ok = r.string(text) && parse_date(text, a.birth_days);
      seen |= 1;
    } else if (key == "hukou_zone") {
      ok = r.string(text) && lookup(text, kZones, a.hukou_zone);
      seen |= 2;
    } else if (key == "hukou_years") {
      ok = r.integer(a.hukou_years);
      seen |= 4;
    } else if (key == "property_type") {
      ok = r.string(text) && lookup(text, kProperties, a.property_type);
      seen |= 8;
    } else if (key == "rental_registered") {
      ok = r.boolean(a.rental_registered);
      seen |= 16;
    } else if (key == "rental_years") {
      ok = r.integer(a.rental_years);
      seen |= 32;
    } else if (key == "si_months") {
      ok = r.integer(a.si_months);
      seen |= 64;
    } else if (key == "business_license") {
      ok = r.boolean(a.business_license);
      seen |= 128;
    } else if (key == "residence_permit") {
      ok = r.boolean(a.residence_permit);
      seen |= 256;
    } else if (key == "preferential") {
      ok = r.string(text) && lookup(text, kPreferential, a.preferential);
      seen |= 512;
    } else if (key == "verified" || key == "submitted") {
      if (!r.eat('[')) return false;
      if (!r.eat(']')) {
        for (;;) {
          Certificate c{};
          if (!r.string(text) || !lookup(text, kCertificateIds, c)) return false;
          a.held = static_cast<std::uint8_t>(a.held | (1u << c));
          if (r.eat(']')) break;
          if (!r.eat(',')) return false;
        }
      }
    } else {
      ok = r.skip_value();
    }
    if (!ok) return false;
    if (r.eat('}')) break;
    if (!r.eat(',')) return false;
  }
  return r.at_end() && seen == 1023;
}

}  // namespace bench
