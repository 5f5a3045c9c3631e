#include "cli/output.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "admit/resident_id.hpp"
#include "cli/commands.hpp"
#include "json/json_reader.hpp"
#include "json/json_writer.hpp"

namespace admit::internal::cli {

bool use_color(ColorMode mode, int fd) {
  switch (mode) {
    case ColorMode::always: return true;
    case ColorMode::never: return false;
    case ColorMode::automatic: break;
  }
  if (const char* no_color = std::getenv("NO_COLOR"); no_color != nullptr && *no_color != '\0') return false;
  if (const char* term = std::getenv("TERM"); term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return ::isatty(fd) == 1;
}

std::string Style::wrap(std::string_view code, std::string_view s) const {
  std::string out;
  if (!color) {
    out.assign(s);
    return out;
  }
  out.reserve(code.size() + s.size() + 4);
  out.append(code).append(s).append("\033[0m");
  return out;
}

namespace {

void append_decimal(std::string& out, Decimal value) {
  std::array<char, Decimal::kMaxTextLength> buf;
  out.append(buf.data(), value.format_to(buf.data()));
}

void write_decimal(JsonWriter& w, Decimal value) {
  std::array<char, Decimal::kMaxTextLength> buf;
  w.raw(std::string_view(buf.data(), value.format_to(buf.data())));
}

void append_uint(std::string& out, std::uint64_t v) {
  std::array<char, 24> buf;
  std::size_t n = buf.size();
  do {
    buf[--n] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out.append(buf.data() + n, buf.size() - n);
}

// The value a points item contributed (0 when the decision has no line for it).
Decimal item_value(const Decision& decision, std::uint32_t item) noexcept {
  for (const auto& line : decision.breakdown())
    if (line.item == item) return line.value;
  return Decimal{};
}

}  // namespace

void append_decision_json(std::string& out, std::size_t line, std::string_view id, const Policy& policy,
                          const Decision& decision, const RecordOptions& options) {
  JsonWriter w(out);
  w.begin_object();
  w.key("line");
  w.integer(static_cast<std::int64_t>(line));
  w.key("id");
  if (id.empty()) w.null();
  else w.string(id);
  w.key("eligible");
  w.boolean(decision.eligible());
  w.member("group", decision.group_id());
  w.key("rank");
  w.integer(decision.rank());
  w.key("points");
  write_decimal(w, decision.points());
  w.key("missing");
  w.begin_array();
  const auto& certificates = policy.certificates();
  for (const auto& c : decision.certificates())
    if (c.status == CertificateStatus::missing && c.certificate < certificates.size())
      w.string(certificates[c.certificate].id);
  w.end_array();
  if (!decision.sort_key().empty()) {
    w.key("sort_key");
    w.begin_array();
    for (std::int64_t k : decision.sort_key()) w.integer(k);
    w.end_array();
  }
  if (options.breakdown) {
    w.key("breakdown");
    w.begin_object();
    const auto& items = policy.points_items();
    for (const auto& pl : decision.breakdown()) {
      if (pl.item >= items.size()) continue;
      w.key(items[pl.item].id);
      write_decimal(w, pl.value);
    }
    w.end_object();
  }
  if (options.trace) {
    w.key("trace");
    w.begin_array();
    for (const TraceEntry& t : decision.trace()) {
      w.begin_object();
      w.member("kind", to_string(t.kind));
      w.key("index");
      w.integer(t.index);
      w.member("subject", t.subject);
      w.key("result");
      w.boolean(t.result);
      if (t.kind == TraceKind::points) {
        w.key("value");
        write_decimal(w, t.value);
      }
      w.member("expression", t.expression);
      w.member("location", t.location);
      w.member("values_seen", t.values_seen);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
  out.push_back('\n');
}

DecisionJsonWriter::DecisionJsonWriter(const Policy& policy, const RecordOptions& options)
    : policy_(&policy), options_(options) {
  for (const auto& certificate : policy.certificates()) {
    std::string& json = certificates_.emplace_back();
    append_json_string(json, certificate.id);
    certificate_bytes_ = std::max(certificate_bytes_, json.size() + 1);
  }
  for (const auto& item : policy.points_items()) {
    std::string& json = items_.emplace_back();
    append_json_string(json, item.id);
    json.push_back(':');
    item_bytes_ = std::max(item_bytes_, json.size() + Decimal::kMaxTextLength + 1);
  }
}

// A JSON string at p; room for 6 bytes per byte of s, plus the quotes (the longest escape, \u00XX).
char* DecisionJsonWriter::put_string(char* p, std::string_view s) {
  const char* const d = s.data();
  const std::size_t n = s.size();
  // Ids of 8 to 32 bytes (resident ids, group ids): checked and copied as two overlapping words.
  if (n >= 8 && n <= 16) {
    if ((special_json_bytes(d) | special_json_bytes(d + n - 8)) == 0) {
      std::uint64_t head, tail;
      std::memcpy(&head, d, 8);
      std::memcpy(&tail, d + n - 8, 8);
      *p = '"';
      std::memcpy(p + 1, &head, 8);
      std::memcpy(p + 1 + n - 8, &tail, 8);
      p[n + 1] = '"';
      return p + n + 2;
    }
  }
#if defined(__SSE2__)
  else if (n > 16 && n <= 32) {
    const __m128i head = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d));
    const __m128i tail = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + n - 16));
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    auto special = [&](__m128i v) {
      return _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), _mm_cmplt_epi8(v, space));
    };
    if (_mm_movemask_epi8(_mm_or_si128(special(head), special(tail))) == 0) {
      *p = '"';
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p + 1), head);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p + 1 + n - 16), tail);
      p[n + 1] = '"';
      return p + n + 2;
    }
  }
#endif
  const char* const end = d + n;
  if (skip_plain_json(d, end) == end) [[likely]] {
    *p++ = '"';
    if (n != 0) std::memcpy(p, d, n);  // (an empty view may have no data pointer)
    p += n;
    *p++ = '"';
    return p;
  }
  scratch_.clear();
  append_json_string(scratch_, s);
  std::memcpy(p, scratch_.data(), scratch_.size());
  return p + scratch_.size();
}

namespace {

template <std::size_t N>
inline char* put(char* p, const char (&text)[N]) noexcept {
  std::memcpy(p, text, N - 1);
  return p + (N - 1);
}

inline char* put(char* p, const std::string& text) noexcept {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

}  // namespace

void DecisionJsonWriter::append(std::string& out, std::size_t line, std::string_view id, const Decision& decision) {
  if (options_.trace) {
    append_decision_json(out, line, id, *policy_, decision, options_);
    return;
  }
  const std::string_view group = decision.group_id();
  const auto certificates = decision.certificates();
  const auto sort_key = decision.sort_key();
  // Every fixed part, numbers at their longest, strings at their longest escapes.
  std::size_t bound = 160 + 2 * Decimal::kMaxTextLength + 6 * (id.size() + group.size()) +
                      certificates.size() * certificate_bytes_ + sort_key.size() * 21;
  if (options_.breakdown) bound += 16 + decision.breakdown().size() * item_bytes_;
  if (record_.size() < bound) record_.resize(bound);
  char* const begin = record_.data();
  char* p = begin;

  p = put(p, "{\"line\":");
  p = write_uint(p, line);
  p = put(p, ",\"id\":");
  if (id.empty()) p = put(p, "null");
  else p = put_string(p, id);
  p = decision.eligible() ? put(p, ",\"eligible\":true,\"group\":") : put(p, ",\"eligible\":false,\"group\":");
  p = put_string(p, group);
  p = put(p, ",\"rank\":");
  p = write_uint(p, decision.rank());
  p = put(p, ",\"points\":");
  p = write_decimal_units(p, decision.points().units());
  p = put(p, ",\"missing\":[");
  bool first = true;
  for (const auto& c : certificates) {
    if (c.status != CertificateStatus::missing || c.certificate >= certificates_.size()) continue;
    if (!first) *p++ = ',';
    first = false;
    p = put(p, certificates_[c.certificate]);
  }
  *p++ = ']';
  if (!sort_key.empty()) {
    p = put(p, ",\"sort_key\":[");
    first = true;
    for (const std::int64_t k : sort_key) {
      if (!first) *p++ = ',';
      first = false;
      p = write_int(p, k);
    }
    *p++ = ']';
  }
  if (options_.breakdown) {
    p = put(p, ",\"breakdown\":{");
    first = true;
    for (const auto& pl : decision.breakdown()) {
      if (pl.item >= items_.size()) continue;
      if (!first) *p++ = ',';
      first = false;
      p = put(p, items_[pl.item]);
      p = write_decimal_units(p, pl.value.units());
    }
    *p++ = '}';
  }
  p = put(p, "}\n");
  out.append(begin, static_cast<std::size_t>(p - begin));
}

void append_error_json(std::string& out, std::size_t line, std::string_view masked_id, std::string_view message) {
  JsonWriter w(out);
  w.begin_object();
  w.key("line");
  w.integer(static_cast<std::int64_t>(line));
  w.key("id");
  if (masked_id.empty()) w.null();
  else w.string(masked_id);
  w.member("error", message);
  w.end_object();
  out.push_back('\n');
}

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_csv_header(std::string& out, const Policy& policy, const RecordOptions& options) {
  out.append("id,eligible,group,rank,points,missing");
  if (options.breakdown) {
    for (const PointsItemInfo& item : policy.points_items()) {
      out.push_back(',');
      append_csv_field(out, item.id);
    }
  }
  out.append(",error\n");
}

void append_decision_csv(std::string& out, std::string_view id, const Policy& policy, const Decision& decision,
                         const RecordOptions& options) {
  append_csv_field(out, id);
  out.append(decision.eligible() ? ",true," : ",false,");
  append_csv_field(out, decision.group_id());
  out.push_back(',');
  append_uint(out, decision.rank());
  out.push_back(',');
  append_decimal(out, decision.points());
  out.push_back(',');
  // Certificate ids are [a-z0-9_-] in practice; quote the joined list only if one is not.
  const auto& certificates = policy.certificates();
  bool first = true;
  bool needs_quotes = false;
  for (const auto& c : decision.certificates())
    if (c.status == CertificateStatus::missing && c.certificate < certificates.size() &&
        certificates[c.certificate].id.find_first_of(",\"\r\n") != std::string::npos)
      needs_quotes = true;
  if (needs_quotes) out.push_back('"');
  for (const auto& c : decision.certificates()) {
    if (c.status != CertificateStatus::missing || c.certificate >= certificates.size()) continue;
    if (!first) out.push_back(';');
    first = false;
    for (char ch : certificates[c.certificate].id) {
      if (ch == '"') out.push_back('"');
      out.push_back(ch);
    }
  }
  if (needs_quotes) out.push_back('"');
  if (options.breakdown) {
    const auto n = static_cast<std::uint32_t>(policy.points_items().size());
    for (std::uint32_t i = 0; i < n; ++i) {
      out.push_back(',');
      append_decimal(out, item_value(decision, i));
    }
  }
  out.append(",\n");
}

void append_error_csv(std::string& out, std::string_view masked_id, std::string_view message, const Policy& policy,
                      const RecordOptions& options) {
  append_csv_field(out, masked_id);
  out.append(",,,,,");
  if (options.breakdown) out.append(policy.points_items().size(), ',');
  out.push_back(',');
  append_csv_field(out, message);
  out.push_back('\n');
}

std::string_view to_string(TraceKind kind) noexcept {
  switch (kind) {
    case TraceKind::eligibility: return "eligibility";
    case TraceKind::group: return "group";
    case TraceKind::points: return "points";
    case TraceKind::requirement: return "requirement";
    case TraceKind::substitute: return "substitute";
  }
  return "unknown";
}

std::string mask_ids_in_text(std::string_view text) { return mask_resident_ids_in_text(text); }

std::string format_bind_error(const BindError& error) { return describe(error); }

bool peek_record_id(std::string_view json, std::string& id) {
  JsonReader reader(json);
  if (reader.next() != JsonToken::begin_object) return false;
  for (;;) {
    const JsonToken token = reader.next();
    if (token != JsonToken::key) return false;  // end_object, error
    if (reader.text() == "id") {
      const JsonToken value = reader.next();
      if (value != JsonToken::string && value != JsonToken::number) return false;
      id.assign(reader.text());
      return true;
    }
    if (!reader.skip_value()) return false;
  }
}

bool read_whole_file(const std::string& path, std::string& text, std::string& error) {
  text.clear();
  std::FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    error = std::strerror(errno);
    return false;
  }
  std::array<char, 1 << 16> buf;
  for (;;) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), file);
    text.append(buf.data(), n);
    if (n < buf.size()) break;
  }
  const bool failed = std::ferror(file) != 0;
  if (failed) error = std::strerror(errno);
  if (file != stdin) std::fclose(file);
  return !failed;
}

bool write_all(std::FILE* file, std::string_view data) {
  return data.empty() || std::fwrite(data.data(), 1, data.size(), file) == data.size();
}

std::string display_name(const std::string& path) { return path == "-" ? std::string("<stdin>") : path; }

bool load_context(const std::string& argument, admit::Context& context, std::string& error) {
  if (argument.empty()) {
    BindError missing;
    if (context.finish(&missing)) return true;
    error = fmt::format("{}; pass the evaluation context with --context (a JSON object or a file)", missing.message);
    return false;
  }
  std::string text = argument;
  const std::size_t first = argument.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || argument[first] != '{') {
    if (!read_whole_file(argument, text, error)) {
      error = fmt::format("--context {}: {}", argument, error);
      return false;
    }
  }
  BindError bind_error;
  if (!context.bind_json(text, &bind_error)) {
    error = fmt::format("--context: {}", format_bind_error(bind_error));
    return false;
  }
  return true;
}

std::string render_document(std::string_view format, const std::vector<Diagnostic>& diagnostics) {
  std::string out = format == "sarif" ? render_sarif(diagnostics, version()) : render_json(diagnostics);
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  return out;
}

}  // namespace admit::internal::cli
