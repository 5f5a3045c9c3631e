#include "admit/resident_id.hpp"

namespace admit {
namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

constexpr bool all_digits(std::string_view s) noexcept {
  for (const char c : s)
    if (!is_digit(c)) return false;
  return true;
}

constexpr int digits_value(std::string_view s) noexcept {
  int v = 0;
  for (const char c : s) v = v * 10 + (c - '0');
  return v;
}

// Birth date fields; the caller has checked that the characters are digits.
std::optional<Date> birth_date_unchecked(std::string_view id) noexcept {
  if (id.size() == 18) {
    return Date::from_ymd(digits_value(id.substr(6, 4)), digits_value(id.substr(10, 2)),
                          digits_value(id.substr(12, 2)));
  }
  return Date::from_ymd(1900 + digits_value(id.substr(6, 2)), digits_value(id.substr(8, 2)),
                        digits_value(id.substr(10, 2)));
}

}  // namespace

char resident_id_check_character(std::string_view body17) noexcept {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  if (body17.size() != 17 || !all_digits(body17)) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (body17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

ResidentIdError validate_resident_id(std::string_view id) noexcept {
  if (id.size() == 18) {
    const char last = id[17];
    if (!all_digits(id.substr(0, 17)) || !(is_digit(last) || last == 'X')) return ResidentIdError::bad_character;
    if (!birth_date_unchecked(id)) return ResidentIdError::bad_birth_date;
    if (resident_id_check_character(id.substr(0, 17)) != last) return ResidentIdError::bad_check_character;
    return ResidentIdError::none;
  }
  if (id.size() == 15) {
    if (!all_digits(id)) return ResidentIdError::bad_character;
    if (!birth_date_unchecked(id)) return ResidentIdError::bad_birth_date;
    return ResidentIdError::none;
  }
  return ResidentIdError::wrong_length;
}

bool is_valid_resident_id(std::string_view id) noexcept { return validate_resident_id(id) == ResidentIdError::none; }

std::optional<Date> resident_id_birth_date(std::string_view id) noexcept {
  if (!is_valid_resident_id(id)) return std::nullopt;
  return birth_date_unchecked(id);
}

std::optional<Gender> resident_id_gender(std::string_view id) noexcept {
  if (!is_valid_resident_id(id)) return std::nullopt;
  const char digit = id.size() == 18 ? id[16] : id[14];
  return (digit - '0') % 2 == 1 ? Gender::male : Gender::female;
}

std::size_t mask_resident_id_to(std::string_view id, char* buf, std::size_t cap) noexcept {
  const std::size_t n = id.size() < cap ? id.size() : cap;
  bool ascii = true;
  for (const char c : id) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  const std::size_t size = id.size();
  const bool keep_ends = ascii && size > 8;
  for (std::size_t i = 0; i < n; ++i) {
    const bool kept = keep_ends && (i < 4 || i >= size - 4);
    buf[i] = kept ? id[i] : '*';
  }
  return n;
}

std::string mask_resident_id(std::string_view id) {
  std::string out(id.size(), '*');
  mask_resident_id_to(id, out.data(), out.size());
  return out;
}

std::string_view to_string(ResidentIdError error) noexcept {
  switch (error) {
    case ResidentIdError::none:
      return "valid";
    case ResidentIdError::wrong_length:
      return "wrong length (expected 18 characters, or 15 for a legacy number)";
    case ResidentIdError::bad_character:
      return "invalid character (only digits, and an uppercase 'X' as the last of 18)";
    case ResidentIdError::bad_birth_date:
      return "impossible birth date";
    case ResidentIdError::bad_check_character:
      return "wrong check character";
  }
  return "unknown resident ID error";
}

namespace {
bool is_ascii_alnum(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool id_shaped(std::string_view run) noexcept {
  if (run.size() != 18 && run.size() != 15) return false;
  for (std::size_t k = 0; k < run.size(); ++k) {
    const char c = run[k];
    const bool last = k + 1 == run.size();
    if (!((c >= '0' && c <= '9') || (last && run.size() == 18 && (c == 'X' || c == 'x')))) return false;
  }
  return true;
}
}  // namespace

std::string mask_resident_ids_in_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_ascii_alnum(text[i])) {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && is_ascii_alnum(text[j])) ++j;
    const std::string_view run = text.substr(i, j - i);
    if (id_shaped(run))
      out.append(mask_resident_id(run));
    else
      out.append(run);
    i = j;
  }
  return out;
}

std::string printable_value(std::string_view value) {
  std::string out;
  std::size_t i = 0;
  while (i < value.size() && out.size() < 48) {
    std::size_t j = i;
    while (j < value.size() && ((value[j] >= '0' && value[j] <= '9') || value[j] == 'X' || value[j] == 'x')) ++j;
    if (j - i >= 6) {
      out += mask_resident_id(value.substr(i, j - i));
      i = j;
    } else if (j > i) {
      out.append(value.substr(i, j - i));
      i = j;
    } else {
      out += value[i++];
    }
  }
  if (i < value.size()) out += "…";
  return out;
}

}  // namespace admit
