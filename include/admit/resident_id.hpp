#pragma once

// Citizen identity numbers of the People's Republic of China (GB 11643-1999).
// Layout of the 18-character form (1-based positions): 1-6 region code, 7-14 birth date YYYYMMDD,
// 15-17 sequence number (the 17th digit odd for men, even for women), 18 check character.
// The legacy 15-digit form (issued before 1999) has a 6-digit birth date YYMMDD in the 1900s at
// positions 7-12, a 3-digit sequence number and no check character.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "admit/date.hpp"

namespace admit {

/// Gender as encoded in the sequence number of a resident ID.
enum class Gender : std::uint8_t { male, female };

/// Why a resident ID number was rejected; `none` means valid. Checks run in declaration order, so the
/// first failing one is reported.
enum class ResidentIdError : std::uint8_t { none, wrong_length, bad_character, bad_birth_date, bad_check_character };

/// Check character for the first 17 digits (ISO 7064 MOD 11-2): weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
/// S mod 11 = 0..10 maps to "10X98765432". Returns '\0' if body is not exactly 17 ASCII digits.
char resident_id_check_character(std::string_view body17) noexcept;

/// Validates an 18-character number: digits, last may be 'X' (uppercase only; lowercase 'x' is bad_character
/// unless normalised by the caller), birth date (positions 7-14) a real date, check character right.
/// 15-digit legacy numbers (all digits, birth date 19YYMMDD from positions 7-12, no check character) are
/// also accepted. The region code is not checked against the administrative division list, and the
/// birth date is not compared with today (no clock here): callers with a reference date do that.
ResidentIdError validate_resident_id(std::string_view id) noexcept;

/// validate_resident_id(id) == ResidentIdError::none.
bool is_valid_resident_id(std::string_view id) noexcept;

/// Birth date / gender (17th digit, or 15th for legacy: odd male, even female); nullopt if the number is invalid.
std::optional<Date> resident_id_birth_date(std::string_view id) noexcept;
std::optional<Gender> resident_id_gender(std::string_view id) noexcept;

/// Privacy mask for logs and errors: keep the first 4 and last 4 characters, replace everything between with '*'
/// ("370702201703150012" -> "3707**********0012"). Strings of 8 chars or fewer become all '*' of the same length.
/// Works on any string and never reveals more than 8 chars; if the input is not pure ASCII the result is
/// all '*' with the same number of bytes (so a multi-byte character is never split).
std::string mask_resident_id(std::string_view id);

/// Allocation-free variant: writes the first min(id.size(), cap) chars of mask_resident_id(id) into buf
/// (no NUL), returns the count.
std::size_t mask_resident_id_to(std::string_view id, char* buf, std::size_t cap) noexcept;

/// Human-readable message in English, e.g. "wrong check character"; "valid" for none.
std::string_view to_string(ResidentIdError error) noexcept;

/// Masks, inside free text (a message, a trace, an explanation), every run of 15 or 18 characters
/// shaped like a resident ID number (digits; an 18-character run may end in X), valid or not: a
/// mistyped ID is still personal data.
std::string mask_resident_ids_in_text(std::string_view text);
/// A value echoed in an error message: cut to about 48 bytes, and every run of 6 or more digits masked
/// (it could be part of an ID number).
std::string printable_value(std::string_view value);

}  // namespace admit
