// admit_simdjson_pipeline FILE.jsonl [OUT.jsonl]: the hand-written end-to-end pipeline that
// `admit eval` is measured against (issue #5). One thread: read the file in large blocks, parse
// each line with simdjson ondemand, evaluate with the hand-written function (handwritten.hpp),
// and write the same JSON Lines as `admit eval --format jsonl` (byte-identical for valid records;
// scripts/bench.sh compares the two outputs). Invalid records get an error record too, with a
// shorter message than admit's. Prints "records N errors N seconds S simdjson KERNEL" on stderr.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "handwritten.hpp"

namespace {

using namespace simdjson;

// The ondemand kernel this file was compiled for (SIMDJSON_BUILTIN_IMPLEMENTATION).
#define ADMIT_STR2(x) #x
#define ADMIT_STR(x) ADMIT_STR2(x)
constexpr const char* kKernel = ADMIT_STR(SIMDJSON_BUILTIN_IMPLEMENTATION);

constexpr std::string_view kZones[] = {"in_zone", "city", "province", "outside"};
constexpr std::string_view kProperties[] = {"full_title", "purchase_contract", "small_title", "none"};
constexpr std::string_view kPreferential[] = {"none", "military", "martyr", "police", "talent"};

template <typename E, std::size_t N>
bool lookup(std::string_view s, const std::string_view (&names)[N], E& out) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) {
      out = static_cast<E>(i);
      return true;
    }
  return false;
}

constexpr std::int32_t days_from_civil(int y, int m, int d) noexcept {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool parse_date(std::string_view s, std::int32_t& days) noexcept {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int v[3] = {0, 0, 0};
  const std::size_t from[3] = {0, 5, 8}, len[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = from[k]; i < from[k] + len[k]; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v[k] = v[k] * 10 + (s[i] - '0');
    }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (v[0] < 1 || v[1] < 1 || v[1] > 12 || v[2] < 1) return false;
  const bool leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
  if (v[2] > kDays[v[1] - 1] + (v[1] == 2 && leap ? 1 : 0)) return false;
  days = days_from_civil(v[0], v[1], v[2]);
  return true;
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  std::size_t n = sizeof buf;
  do {
    buf[--n] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out.append(buf + n, sizeof buf - n);
}

// Canonical decimal text, like admit::Decimal::format_to: "96", "72.5", "-0.5".
void append_points(std::string& out, std::int64_t units) {
  std::uint64_t u = units < 0 ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  if (units < 0) out.push_back('-');
  append_uint(out, u / 1'000'000);
  std::uint64_t frac = u % 1'000'000;
  if (frac == 0) return;
  char digits[6];
  for (int i = 5; i >= 0; --i, frac /= 10) digits[i] = static_cast<char>('0' + frac % 10);
  int n = 6;
  while (digits[n - 1] == '0') --n;
  out.push_back('.');
  out.append(digits, static_cast<std::size_t>(n));
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out.push_back(kHex[(c >> 4) & 0xF]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// admit::mask_resident_id's rule: keep the first and last 4 characters.
void append_masked(std::string& out, std::string_view id) {
  std::string masked(id);
  const bool ascii = std::all_of(id.begin(), id.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  for (std::size_t i = 0; i < masked.size(); ++i)
    if (!ascii || id.size() <= 8 || (i >= 4 && i + 4 < id.size())) masked[i] = '*';
  append_json_string(out, masked);
}

struct Record {
  bench::HwApplicant a;
  std::string_view id;
  bool has_id = false;
};

// Parses one record; on failure returns the message.
const char* parse(ondemand::parser& parser, const char* data, std::size_t length, std::size_t capacity, Record& r) {
  r.a = bench::HwApplicant{};
  r.has_id = false;
  ondemand::document doc;
  if (parser.iterate(padded_string_view(data, length, capacity)).get(doc)) return "invalid JSON";
  ondemand::object object;
  if (doc.get_object().get(object)) return "an applicant record must be a JSON object";
  unsigned seen = 0;
  for (auto field_result : object) {
    ondemand::field field;
    if (std::move(field_result).get(field)) return "invalid JSON";
    std::string_view key;
    if (field.unescaped_key().get(key)) return "invalid JSON";
    ondemand::value value = field.value();
    std::string_view text;
    unsigned bit = 0;
    bool ok = true;
    if (key == "id") {
      ok = !value.get_string().get(r.id);
      r.has_id = ok;
      if (!ok) return "`id` must be a string";
      continue;
    }
    if (key == "birth_date") {
      bit = 1;
      ok = !value.get_string().get(text) && parse_date(text, r.a.birth_days);
    } else if (key == "hukou_zone") {
      bit = 2;
      ok = !value.get_string().get(text) && lookup(text, kZones, r.a.hukou_zone);
    } else if (key == "hukou_years") {
      bit = 4;
      ok = !value.get_int64().get(r.a.hukou_years);
    } else if (key == "property_type") {
      bit = 8;
      ok = !value.get_string().get(text) && lookup(text, kProperties, r.a.property_type);
    } else if (key == "rental_registered") {
      bit = 16;
      ok = !value.get_bool().get(r.a.rental_registered);
    } else if (key == "rental_years") {
      bit = 32;
      ok = !value.get_int64().get(r.a.rental_years);
    } else if (key == "si_months") {
      bit = 64;
      ok = !value.get_int64().get(r.a.si_months);
    } else if (key == "business_license") {
      bit = 128;
      ok = !value.get_bool().get(r.a.business_license);
    } else if (key == "residence_permit") {
      bit = 256;
      ok = !value.get_bool().get(r.a.residence_permit);
    } else if (key == "preferential") {
      bit = 512;
      ok = !value.get_string().get(text) && lookup(text, kPreferential, r.a.preferential);
    } else if (key == "verified" || key == "submitted") {
      ondemand::array array;
      if (value.get_array().get(array)) return "`verified` and `submitted` must be lists of certificate ids";
      for (auto element : array) {
        bench::Certificate c{};
        if (element.get_string().get(text) || !lookup(text, bench::kCertificateIds, c))
          return "unknown certificate in `verified` or `submitted`";
        r.a.held = static_cast<std::uint8_t>(r.a.held | (1u << c));
      }
      continue;
    } else {
      continue;  // unknown keys are ignored, like admit
    }
    if (!ok) return "a fact has a wrong type or an unknown value";
    if (seen & bit) return "a fact is given twice";
    seen |= bit;
  }
  if (seen != 1023) return "a fact without a default is missing";
  return nullptr;
}

void append_decision(std::string& out, std::size_t line, std::string_view id, const bench::HwDecision& d) {
  out += "{\"line\":";
  append_uint(out, line);
  out += ",\"id\":";
  if (id.empty()) out += "null";
  else append_json_string(out, id);
  const bool eligible = d.group != bench::kIneligible;
  out += eligible ? ",\"eligible\":true,\"group\":\"" : ",\"eligible\":false,\"group\":\"";
  out += bench::kGroupIds[d.group];
  out += "\",\"rank\":";
  append_uint(out, eligible ? d.group + 1u : 0u);
  out += ",\"points\":";
  append_points(out, d.points_units);
  out += ",\"missing\":[";
  for (std::uint8_t i = 0; i < d.missing_count; ++i) {
    if (i != 0) out.push_back(',');
    out.push_back('"');
    out += bench::kCertificateIds[d.missing[i]];
    out.push_back('"');
  }
  out += "]}\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: admit_simdjson_pipeline FILE.jsonl [OUT.jsonl]\n");
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  const int fd = ::open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "%s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  std::FILE* out = argc == 3 ? std::fopen(argv[2], "wb") : stdout;
  if (out == nullptr) {
    std::fprintf(stderr, "%s: %s\n", argv[2], std::strerror(errno));
    return 1;
  }

  std::size_t capacity = 8u << 20;
  std::vector<char> buf(capacity + SIMDJSON_PADDING);
  std::size_t end = 0;  // bytes in buf
  bool eof = false;
  std::size_t line_number = 0, records = 0, errors = 0;
  ondemand::parser parser;
  Record record;
  bench::HwDecision decision;
  std::string output;
  output.reserve(1u << 20);

  while (!eof || end != 0) {
    if (!eof) {
      if (end == capacity) {  // a line longer than the buffer
        capacity *= 2;
        buf.resize(capacity + SIMDJSON_PADDING);
      }
      const ssize_t n = ::read(fd, buf.data() + end, capacity - end);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::fprintf(stderr, "%s: %s\n", argv[1], std::strerror(errno));
        return 1;
      }
      if (n == 0) eof = true;
      end += static_cast<std::size_t>(n);
    }
    std::size_t pos = 0;
    for (;;) {
      const char* base = buf.data() + pos;
      const void* nl = std::memchr(base, '\n', end - pos);
      if (nl == nullptr && !(eof && pos < end)) break;
      const std::size_t length = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - base) : end - pos;
      ++line_number;
      std::string_view line(base, length);
      const bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
      if (!blank) {
        ++records;
        const char* error = parse(parser, base, length, capacity + SIMDJSON_PADDING - pos, record);
        if (error == nullptr) {
          bench::decide(record.a, decision);
          append_decision(output, line_number, record.id, decision);
        } else {
          ++errors;
          output += "{\"line\":";
          append_uint(output, line_number);
          output += ",\"id\":";
          if (record.has_id) append_masked(output, record.id);
          else output += "null";
          output += ",\"error\":";
          append_json_string(output, error);
          output += "}\n";
        }
      }
      pos += length + (nl ? 1 : 0);
      if (output.size() >= (1u << 20)) {
        std::fwrite(output.data(), 1, output.size(), out);
        output.clear();
      }
    }
    std::memmove(buf.data(), buf.data() + pos, end - pos);
    end -= pos;
    if (eof && end == 0) break;
  }
  std::fwrite(output.data(), 1, output.size(), out);
  if (std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0)) {
    std::fprintf(stderr, "cannot write the output\n");
    return 1;
  }
  ::close(fd);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "records %zu errors %zu seconds %.3f simdjson %s\n", records, errors, seconds,
               kKernel);
  return errors == 0 ? 0 : 2;
}
