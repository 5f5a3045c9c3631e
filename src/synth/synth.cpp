// Synthetic applicant records (admit synth). Determinism is the point: every random draw comes from
// our own xoshiro256** stream seeded from (seed, record index) by splitmix64, integers are drawn by
// multiply-shift and probabilities compared as IEEE doubles, so a record never depends on the
// platform, the standard library or the thread that produced it.
//
// The certificate lists need to know what the applicant's group requires, so each record is also
// built through the typed Applicant builder and evaluated once; the shares of complete / one
// missing / more missing records are then drawn among the certificates actually required.

#include "admit/synth.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>

#include "admit/applicant.hpp"
#include "admit/date.hpp"
#include "admit/decimal.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "admit/resident_id.hpp"

namespace admit {

namespace {

std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

__extension__ typedef unsigned __int128 u128;

// xoshiro256** (Blackman & Vigna), seeded per record.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t index) noexcept {
    std::uint64_t x = seed;
    std::uint64_t mixed = splitmix64(x) ^ (index * 0xD1B54A32D192ED03ull);
    for (auto& s : s_) s = splitmix64(mixed);
  }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, n) (multiply-shift; n > 0).
  std::uint64_t below(std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>((static_cast<u128>(next()) * n) >> 64);
  }
  /// Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    if (hi <= lo) return lo;
    const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
    if (span == 0) return static_cast<std::int64_t>(next());  // the whole int64 range
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + below(span));
  }
  /// Uniform in [0, 1) with 53 bits.
  double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) noexcept { return unit() < p; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_{};
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view last_segment(std::string_view path) {
  const auto dot = path.find_last_of(".]");
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// One scalar fact or list field, or a list, with the distribution it is drawn from.
struct Plan {
  std::string path;  // as in Policy::facts(); list fields: the field name inside a record
  std::string key;   // the JSON key of the innermost object
  FactType type{};
  FactHandle handle;
  bool has_default = false;
  bool context = false;  // an evaluation-context value: written by append_context, not in records
  double absent = 0.0;  // chance to leave the fact out (only with a default)
  // enum (indices into values) and string choices
  std::vector<std::string> values;
  std::vector<double> cumulative;  // cumulative weights, last = total
  // bool
  double probability = 0.5;
  // int, decimal (units), date (days)
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::int64_t step = 1;  // decimal: units per step (digits)
  bool birth = false;     // date drawn around the eligible year
  double within = 0.95;   // birth dates: share inside the eligible year
  // list
  std::uint32_t items_min = 0;
  std::uint32_t items_max = 0;
  bool items_geometric = true;
  std::vector<Plan> fields;
};

// The value drawn for one plan in one record.
struct Value {
  bool present = false;
  std::int64_t number = 0;  // bool, int, decimal units, date days, enum index
  std::string text;         // string, resident_id
};

struct ListValue {
  std::uint32_t count = 0;
  std::vector<std::vector<Value>> records;  // [record][field]; grows to the largest list seen
};

// The nesting of the JSON output: namespaces become nested objects.
struct Node {
  std::string key;
  int plan = -1;  // index into Impl::plans; -1 for a namespace
  int list = -1;  // index into Impl::lists
  std::vector<Node> children;
};

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0xF]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  std::size_t n = sizeof buf;
  const bool negative = v < 0;
  auto u = negative ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  do {
    buf[--n] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (negative) buf[--n] = '-';
  out.append(buf + n, sizeof buf - n);
}

constexpr std::array<std::string_view, 8> kDefaultRegions = {"370702", "370703", "370704", "370705",
                                                            "370102", "370211", "320303", "130203"};

}  // namespace

struct Synthesizer::Impl {
  std::shared_ptr<const Policy> policy;
  std::vector<Plan> plans;       // top-level scalar facts, in Policy::facts() order
  std::vector<Plan> lists;       // list facts with their fields
  std::vector<Node> tree;        // JSON layout
  std::vector<Node> context_tree;  // JSON layout of the context values
  int id_plan = -1;              // a top-level fact named `id` (string or resident_id)
  int birth_plan = -1;           // the date a resident ID's birth date comes from
  Date window_lo, window_hi;     // the eligible year of birth dates
  Date cutoff;
  std::vector<std::string> regions;
  // certificates
  double complete = 0.85;
  double missing_one = 0.10;
  double submitted_share = 0.05;  // present certificates uploaded instead of verified
  double extra = 0.10;            // chance of one certificate the group does not need
  std::vector<bool> verifiable;   // per certificate: has a data-sharing source

  // Per-record scratch, reused.
  std::vector<Value> values;
  std::vector<ListValue> list_values;
  std::string record_id;
  Applicant applicant;
  Decision decision;
  std::vector<std::uint32_t> required;
  std::vector<std::uint8_t> status;  // per certificate: 0 none, 1 verified, 2 submitted

  explicit Impl(std::shared_ptr<const Policy> p) : policy(std::move(p)), applicant(*policy) {}

  // --- drawing ---

  Date draw_birth(Rng& rng, double inside) const {
    const std::int64_t lo = window_lo.days();
    const std::int64_t hi = window_hi.days();
    if (rng.chance(inside)) return Date::from_days(static_cast<std::int32_t>(rng.between(lo, hi)));
    // A few applications for children a year too young or too old.
    if (rng.chance(0.5)) return Date::from_days(static_cast<std::int32_t>(rng.between(lo - 365, lo - 1)));
    return Date::from_days(static_cast<std::int32_t>(rng.between(hi + 1, hi + 365)));
  }

  std::string make_resident_id(Rng& rng, Date birth) const {
    std::string id(regions[rng.below(regions.size())]);
    char date[11];
    birth.format_to(date);
    id.append(date, 4).append(date + 5, 2).append(date + 8, 2);
    for (int i = 0; i < 3; ++i) id.push_back(static_cast<char>('0' + rng.below(10)));
    id.push_back(resident_id_check_character(id));
    return id;
  }

  void draw_scalar(const Plan& plan, Rng& rng, Value& v) const {
    v.present = true;
    v.text.clear();
    if (plan.has_default && plan.absent > 0 && rng.chance(plan.absent)) {
      v.present = false;
      return;
    }
    switch (plan.type) {
      case FactType::boolean: v.number = rng.chance(plan.probability) ? 1 : 0; break;
      case FactType::integer:
      case FactType::decimal: {
        const std::int64_t steps = (plan.max - plan.min) / plan.step;
        v.number = plan.min + rng.between(0, steps) * plan.step;
        break;
      }
      case FactType::date:
        v.number = plan.birth ? draw_birth(rng, plan.within).days() : rng.between(plan.min, plan.max);
        break;
      case FactType::enumeration:
      case FactType::string: {
        const double u = rng.unit() * plan.cumulative.back();
        const auto it = std::upper_bound(plan.cumulative.begin(), plan.cumulative.end(), u);
        std::size_t i = static_cast<std::size_t>(it - plan.cumulative.begin());
        if (i >= plan.values.size()) i = plan.values.size() - 1;
        v.number = static_cast<std::int64_t>(i);
        if (plan.type == FactType::string) v.text = plan.values[i];
        break;
      }
      case FactType::resident_id: break;  // filled by draw_ids
      case FactType::list: break;
    }
  }

  void draw(Rng& rng) {
    for (std::size_t i = 0; i < plans.size(); ++i)
      if (plans[i].type != FactType::resident_id) draw_scalar(plans[i], rng, values[i]);
    for (std::size_t l = 0; l < lists.size(); ++l) {
      const Plan& list = lists[l];
      ListValue& lv = list_values[l];
      std::uint32_t n = 0;
      if (list.items_geometric) {
        while (n < list.items_max && rng.chance(0.5)) ++n;
      } else {
        n = static_cast<std::uint32_t>(rng.between(list.items_min, list.items_max));
      }
      lv.count = n;
      if (lv.records.size() < n) lv.records.resize(n, std::vector<Value>(list.fields.size()));
      for (std::uint32_t r = 0; r < n; ++r)
        for (std::size_t f = 0; f < list.fields.size(); ++f) {
          const Plan& field = list.fields[f];
          Value& v = lv.records[r][f];
          if (field.type == FactType::resident_id) {
            // An adult's number (a parent's): born 20 to 50 years before the cut-off.
            v.present = true;
            Date birth = Date::from_days(static_cast<std::int32_t>(
                rng.between(cutoff.days() - 50 * 365, cutoff.days() - 20 * 365)));
            v.text = make_resident_id(rng, birth);
          } else {
            draw_scalar(field, rng, v);
          }
        }
    }
    // Resident IDs last: they carry the birth date drawn above.
    Date birth = birth_plan >= 0 ? Date::from_days(static_cast<std::int32_t>(values[birth_plan].number))
                                 : draw_birth(rng, 0.95);
    if (birth_plan >= 0 && !values[birth_plan].present) birth = draw_birth(rng, 0.95);
    for (std::size_t i = 0; i < plans.size(); ++i)
      if (plans[i].type == FactType::resident_id || static_cast<int>(i) == id_plan) {
        values[i].present = true;
        values[i].text = make_resident_id(rng, birth);
      }
    if (id_plan >= 0 && values[id_plan].present) record_id = values[id_plan].text;
    else record_id = make_resident_id(rng, birth);
  }

  // --- the group's requirements, through the policy itself ---

  void set_value(const Plan& plan, const Value& v) {
    if (!v.present) return;
    switch (plan.type) {
      case FactType::boolean: applicant.set_bool(plan.handle, v.number != 0); break;
      case FactType::integer: applicant.set_int(plan.handle, v.number); break;
      case FactType::decimal: applicant.set_decimal(plan.handle, Decimal::from_units(v.number)); break;
      case FactType::date: applicant.set_date(plan.handle, Date::from_days(static_cast<std::int32_t>(v.number))); break;
      case FactType::enumeration: applicant.set_string(plan.handle, plan.values[static_cast<std::size_t>(v.number)]); break;
      case FactType::string:
      case FactType::resident_id: applicant.set_string(plan.handle, v.text); break;
      case FactType::list: break;
    }
  }

  void set_field(FactHandle list, int record, const Plan& plan, const Value& v) {
    if (!v.present) return;
    switch (plan.type) {
      case FactType::boolean: applicant.set_field_bool(list, record, plan.handle, v.number != 0); break;
      case FactType::integer: applicant.set_field_int(list, record, plan.handle, v.number); break;
      case FactType::decimal: applicant.set_field_decimal(list, record, plan.handle, Decimal::from_units(v.number)); break;
      case FactType::date:
        applicant.set_field_date(list, record, plan.handle, Date::from_days(static_cast<std::int32_t>(v.number)));
        break;
      case FactType::enumeration:
        applicant.set_field_string(list, record, plan.handle, plan.values[static_cast<std::size_t>(v.number)]);
        break;
      case FactType::string:
      case FactType::resident_id: applicant.set_field_string(list, record, plan.handle, v.text); break;
      case FactType::list: break;
    }
  }

  void requirements() {
    required.clear();
    applicant.clear();
    for (std::size_t i = 0; i < plans.size(); ++i) set_value(plans[i], values[i]);
    for (std::size_t l = 0; l < lists.size(); ++l)
      for (std::uint32_t r = 0; r < list_values[l].count; ++r) {
        const int record = applicant.add_record(lists[l].handle);
        if (record < 0) break;
        for (std::size_t f = 0; f < lists[l].fields.size(); ++f)
          set_field(lists[l].handle, record, lists[l].fields[f], list_values[l].records[r][f]);
      }
    applicant.set_id(record_id);
    if (!applicant.finish(nullptr)) return;
    policy->evaluate(applicant, decision);
    if (!decision.ok()) return;
    for (const RequiredCertificate& c : decision.certificates())
      if (std::find(required.begin(), required.end(), c.certificate) == required.end())
        required.push_back(c.certificate);
  }

  void draw_certificates(Rng& rng) {
    std::fill(status.begin(), status.end(), std::uint8_t{0});
    const std::size_t n = required.size();
    if (n != 0) {
      const double u = rng.unit();
      std::size_t k = 0;
      if (u < complete) k = 0;
      else if (u < complete + missing_one) k = 1;
      else k = n <= 2 ? n : 2 + rng.below(n - 1);
      k = std::min(k, n);
      // The first k of a partial shuffle are missing.
      for (std::size_t i = 0; i < k; ++i) std::swap(required[i], required[i + rng.below(n - i)]);
      for (std::size_t i = k; i < n; ++i) {
        const std::uint32_t c = required[i];
        status[c] = verifiable[c] && !rng.chance(submitted_share) ? 1 : 2;
      }
    }
    if (!status.empty() && rng.chance(extra)) {
      const auto c = static_cast<std::uint32_t>(rng.below(status.size()));
      if (status[c] == 0 && std::find(required.begin(), required.end(), c) == required.end())
        status[c] = verifiable[c] ? 1 : 2;
    }
  }

  // --- output ---

  void append_value(std::string& out, const Plan& plan, const Value& v) const {
    switch (plan.type) {
      case FactType::boolean: out += v.number != 0 ? "true" : "false"; break;
      case FactType::integer: append_int(out, v.number); break;
      case FactType::decimal: {
        char buf[Decimal::kMaxTextLength];
        out.append(buf, Decimal::from_units(v.number).format_to(buf));
        break;
      }
      case FactType::date: {
        char buf[10];
        Date::from_days(static_cast<std::int32_t>(v.number)).format_to(buf);
        out.push_back('"');
        out.append(buf, 10);
        out.push_back('"');
        break;
      }
      case FactType::enumeration: append_json_string(out, plan.values[static_cast<std::size_t>(v.number)]); break;
      case FactType::string:
      case FactType::resident_id: append_json_string(out, v.text); break;
      case FactType::list: break;
    }
  }

  // Writes the members of `nodes` (without braces); `first` tracks the comma.
  void append_members(std::string& out, const std::vector<Node>& nodes, bool& first) const {
    for (const Node& node : nodes) {
      if (node.plan >= 0) {
        if (node.plan == id_plan) continue;  // written first, as the record's `id`
        const Value& v = values[static_cast<std::size_t>(node.plan)];
        if (!v.present) continue;
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, node.key);
        out.push_back(':');
        append_value(out, plans[static_cast<std::size_t>(node.plan)], v);
      } else if (node.list >= 0) {
        const Plan& list = lists[static_cast<std::size_t>(node.list)];
        const ListValue& lv = list_values[static_cast<std::size_t>(node.list)];
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, node.key);
        out += ":[";
        for (std::uint32_t r = 0; r < lv.count; ++r) {
          if (r != 0) out.push_back(',');
          out.push_back('{');
          bool first_field = true;
          for (std::size_t f = 0; f < list.fields.size(); ++f) {
            const Value& v = lv.records[r][f];
            if (!v.present) continue;
            if (!first_field) out.push_back(',');
            first_field = false;
            append_json_string(out, list.fields[f].key);
            out.push_back(':');
            append_value(out, list.fields[f], v);
          }
          out.push_back('}');
        }
        out.push_back(']');
      } else {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, node.key);
        out += ":{";
        bool inner_first = true;
        append_members(out, node.children, inner_first);
        out.push_back('}');
      }
    }
  }

  void append_certificates(std::string& out, std::uint8_t which) const {
    const auto& certificates = policy->certificates();
    out.push_back('[');
    bool first = true;
    for (std::size_t c = 0; c < status.size(); ++c) {
      if (status[c] != which) continue;
      if (!first) out.push_back(',');
      first = false;
      append_json_string(out, certificates[c].id);
    }
    out.push_back(']');
  }

  void append(std::uint64_t seed, std::uint64_t index, std::string& out) {
    Rng rng(seed, index);
    draw(rng);
    requirements();
    draw_certificates(rng);
    out += "{\"id\":";
    append_json_string(out, record_id);
    bool first = false;
    append_members(out, tree, first);
    out += ",\"verified\":";
    append_certificates(out, 1);
    out += ",\"submitted\":";
    append_certificates(out, 2);
    out += "}\n";
  }

  void append_context(std::uint64_t seed, std::string& out) {
    Rng rng(seed, UINT64_MAX);  // an index no record uses
    draw(rng);
    out += '{';
    bool first = true;
    append_members(out, context_tree, first);
    out += "}\n";
  }
};

Synthesizer::Synthesizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Synthesizer::~Synthesizer() = default;

void Synthesizer::append_record(std::uint64_t seed, std::uint64_t index, std::string& out) {
  impl_->append(seed, index, out);
}

void Synthesizer::append_context(std::uint64_t seed, std::string& out) { impl_->append_context(seed, out); }

// --- construction and the profile ---

struct SynthFactory {
  static std::unique_ptr<Synthesizer> make(std::unique_ptr<Synthesizer::Impl> impl) {
    return std::unique_ptr<Synthesizer>(new Synthesizer(std::move(impl)));
  }
};

namespace {

class ProfileReader {
 public:
  ProfileReader(std::string_view text, std::string_view name, std::vector<Diagnostic>& diagnostics)
      : text_(text), name_(name), diagnostics_(diagnostics) {}

  void error(const YAML::Mark& mark, std::string message) {
    Diagnostic d;
    d.code = "E-synth-profile";
    d.message = std::move(message);
    d.file = name_;
    if (mark.line >= 0) {
      d.line = static_cast<std::uint32_t>(mark.line + 1);
      d.column = static_cast<std::uint32_t>(mark.column + 1);
      d.source_line = line_text(static_cast<std::size_t>(mark.line));
    }
    diagnostics_.push_back(std::move(d));
  }
  void error(const YAML::Node& node, std::string message) { error(node.Mark(), std::move(message)); }

  bool is_map(const YAML::Node& node, std::string_view what) {
    if (node.IsMap()) return true;
    error(node, std::string(what) + " must be a mapping");
    return false;
  }

  std::optional<double> number(const YAML::Node& node, std::string_view what, double lo, double hi) {
    double v = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, v) || !std::isfinite(v) || v < lo || v > hi) {
      error(node, std::string(what) + " must be a number from " + fmt_double(lo) + " to " + fmt_double(hi));
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::int64_t> integer(const YAML::Node& node, std::string_view what) {
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      auto d = Decimal::parse(s);
      if (d && d->units() % Decimal::kOne == 0) return d->units() / Decimal::kOne;
    }
    error(node, std::string(what) + " must be a whole number");
    return std::nullopt;
  }

  std::optional<Date> date(const YAML::Node& node, std::string_view what) {
    if (node.IsScalar())
      if (auto d = Date::parse(node.Scalar())) return d;
    error(node, std::string(what) + " must be a date YYYY-MM-DD");
    return std::nullopt;
  }

  std::string scalar_key(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : std::string(); }

 private:
  static std::string fmt_double(double v) {
    if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
    return std::to_string(v);
  }
  std::string line_text(std::size_t line) const {
    std::size_t pos = 0;
    for (std::size_t i = 0; i < line && pos != std::string_view::npos; ++i) {
      pos = text_.find('\n', pos);
      if (pos != std::string_view::npos) ++pos;
    }
    if (pos == std::string_view::npos || pos > text_.size()) return {};
    const std::size_t end = text_.find('\n', pos);
    std::string_view l = text_.substr(pos, end == std::string_view::npos ? text_.size() - pos : end - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    return std::string(l);
  }

  std::string_view text_;
  std::string name_;
  std::vector<Diagnostic>& diagnostics_;
};

// Defaults by name, for facts the profile does not describe.
void default_ranges(Plan& plan, const Synthesizer::Impl& impl) {
  const std::string name = lower(last_segment(plan.path));
  if (plan.type == FactType::integer) {
    plan.min = 0;
    if (contains(name, "month")) plan.max = 72;
    else if (contains(name, "year")) plan.max = 12;
    else if (contains(name, "age")) plan.max = 15;
    else if (contains(name, "score") || contains(name, "percent")) plan.max = 100;
    else if (contains(name, "count") || contains(name, "number") || contains(name, "children") ||
             contains(name, "sibling"))
      plan.max = 4;
    else plan.max = 10;
  } else if (plan.type == FactType::decimal) {
    plan.min = 0;
    plan.max = (contains(name, "share") || contains(name, "ratio") || contains(name, "rate") ? 1 : 100) * Decimal::kOne;
    plan.step = Decimal::kOne / 100;  // two decimals
  } else if (plan.type == FactType::date) {
    plan.birth = contains(name, "birth");
    plan.min = impl.cutoff.days() - 10 * 365;
    plan.max = impl.cutoff.days();
  } else if (plan.type == FactType::string) {
    for (int i = 1; i <= 5; ++i) plan.values.push_back(name + "-" + std::to_string(i));
  }
  if (plan.type == FactType::enumeration || plan.type == FactType::string) {
    plan.cumulative.clear();
    for (std::size_t i = 0; i < plan.values.size(); ++i) plan.cumulative.push_back(static_cast<double>(i + 1));
    if (plan.values.empty()) {  // an enum without values cannot compile; keep the draw total
      plan.values.push_back("");
      plan.cumulative.push_back(1);
    }
  }
  plan.absent = plan.has_default ? 0.1 : 0.0;
}

// Applies a profile entry (`facts: <path>: {...}`) to a plan.
void apply_profile(ProfileReader& r, const YAML::Node& entry, Plan& plan) {
  if (!r.is_map(entry, "a fact's profile")) return;
  auto type_error = [&](const YAML::Node& key, std::string_view option) {
    r.error(key, "`" + std::string(option) + "` does not apply to `" + plan.path + "` (" +
                     std::string(to_string(plan.type)) + ")");
  };
  bool has_min = false, has_max = false;
  for (const auto& kv : entry) {
    const std::string key = r.scalar_key(kv.first);
    const YAML::Node& v = kv.second;
    if (key == "absent") {
      if (!plan.has_default) {
        r.error(kv.first, "`" + plan.path + "` has no default, so every record must give it (`absent` is not allowed)");
        continue;
      }
      if (auto p = r.number(v, "`absent`", 0, 1)) plan.absent = *p;
    } else if (key == "values") {
      if (plan.type != FactType::enumeration && plan.type != FactType::string) {
        type_error(kv.first, key);
        continue;
      }
      if (!r.is_map(v, "`values`")) continue;
      std::vector<double> weights(plan.type == FactType::enumeration ? plan.values.size() : 0, 0.0);
      std::vector<std::string> strings;
      double total = 0;
      for (const auto& w : v) {
        const std::string value = r.scalar_key(w.first);
        auto weight = r.number(w.second, "a weight", 0, 1e12);
        if (!weight) continue;
        if (plan.type == FactType::enumeration) {
          auto it = std::find(plan.values.begin(), plan.values.end(), value);
          if (it == plan.values.end()) {
            std::string expected;
            for (const auto& s : plan.values) expected += (expected.empty() ? "" : ", ") + s;
            r.error(w.first, "`" + plan.path + "` has no value `" + value + "` (expected one of: " + expected + ")");
            continue;
          }
          weights[static_cast<std::size_t>(it - plan.values.begin())] = *weight;
        } else {
          strings.push_back(value);
          weights.push_back(*weight);
        }
        total += *weight;
      }
      if (total <= 0) {
        r.error(v, "the weights of `values` must not all be zero");
        continue;
      }
      if (plan.type == FactType::string) plan.values = std::move(strings);
      plan.cumulative.clear();
      double sum = 0;
      for (double w : weights) plan.cumulative.push_back(sum += w);
    } else if (key == "probability") {
      if (plan.type != FactType::boolean) {
        type_error(kv.first, key);
        continue;
      }
      if (auto p = r.number(v, "`probability`", 0, 1)) plan.probability = *p;
    } else if (key == "min" || key == "max") {
      std::optional<std::int64_t> value;
      if (plan.type == FactType::integer) {
        value = r.integer(v, "`" + key + "`");
      } else if (plan.type == FactType::decimal) {
        if (v.IsScalar())
          if (auto d = Decimal::parse(v.Scalar())) value = d->units();
        if (!value) r.error(v, "`" + key + "` must be a decimal number");
      } else if (plan.type == FactType::date) {
        if (auto d = r.date(v, "`" + key + "`")) value = d->days();
        plan.birth = false;
      } else {
        type_error(kv.first, key);
        continue;
      }
      if (!value) continue;
      (key == "min" ? plan.min : plan.max) = *value;
      (key == "min" ? has_min : has_max) = true;
    } else if (key == "digits") {
      if (plan.type != FactType::decimal) {
        type_error(kv.first, key);
        continue;
      }
      if (auto d = r.integer(v, "`digits`")) {
        if (*d < 0 || *d > Decimal::kScale) {
          r.error(v, "`digits` must be from 0 to 6");
          continue;
        }
        std::int64_t step = Decimal::kOne;
        for (std::int64_t i = 0; i < *d; ++i) step /= 10;
        plan.step = step;
      }
    } else if (key == "within") {
      if (plan.type != FactType::date) {
        type_error(kv.first, key);
        continue;
      }
      if (auto p = r.number(v, "`within`", 0, 1)) {
        plan.within = *p;
        plan.birth = true;
      }
    } else if (key == "items") {
      if (plan.type != FactType::list) {
        type_error(kv.first, key);
        continue;
      }
      if (!r.is_map(v, "`items`")) continue;
      std::uint32_t lo = 0, hi = plan.items_max;
      for (const auto& m : v) {
        const std::string k = r.scalar_key(m.first);
        auto n = r.integer(m.second, "`items." + k + "`");
        if (!n) continue;
        if (*n < 0 || *n > plan.items_max) {
          r.error(m.second, "`items." + k + "` must be from 0 to the list's max_items (" +
                                std::to_string(plan.items_max) + ")");
          continue;
        }
        if (k == "min") lo = static_cast<std::uint32_t>(*n);
        else if (k == "max") hi = static_cast<std::uint32_t>(*n);
        else r.error(m.first, "unknown key `" + k + "` in `items` (expected min, max)");
      }
      if (lo > hi) {
        r.error(v, "`items.min` is greater than `items.max`");
        continue;
      }
      plan.items_geometric = false;
      plan.items_min = lo;
      plan.items_max = hi;
    } else {
      r.error(kv.first, "unknown key `" + key + "` (expected absent, values, probability, min, max, digits, within, items)");
    }
  }
  if ((has_min || has_max) && plan.min > plan.max) r.error(entry, "`min` is greater than `max` for `" + plan.path + "`");
  if (plan.type == FactType::decimal && plan.step <= 0) plan.step = 1;
}

void insert_node(std::vector<Node>& nodes, std::string_view path, int plan, int list) {
  const auto dot = path.find('.');
  if (dot == std::string_view::npos) {
    Node n;
    n.key = std::string(path);
    n.plan = plan;
    n.list = list;
    nodes.push_back(std::move(n));
    return;
  }
  const std::string_view head = path.substr(0, dot);
  auto it = std::find_if(nodes.begin(), nodes.end(),
                         [&](const Node& n) { return n.plan < 0 && n.list < 0 && n.key == head; });
  if (it == nodes.end()) {
    Node n;
    n.key = std::string(head);
    nodes.push_back(std::move(n));
    it = nodes.end() - 1;
  }
  insert_node(it->children, path.substr(dot + 1), plan, list);
}

}  // namespace

SynthResult make_synthesizer(std::shared_ptr<const Policy> policy, std::string_view profile_yaml,
                             std::string_view profile_name) {
  SynthResult result;
  if (!policy) {
    Diagnostic d;
    d.code = "E-synth-profile";
    d.message = "no policy";
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  auto impl = std::make_unique<Synthesizer::Impl>(policy);
  const PolicyMetadata& meta = policy->metadata();

  // The eligible year: children who reach the entry age (6 for grade 1, 12 for grade 7) on the
  // cut-off day but are not yet one year older.
  impl->cutoff = meta.age_cutoff ? *meta.age_cutoff
                                 : Date::from_ymd(meta.year > 0 ? meta.year : 2026, 8, 31).value_or(Date{});
  const int age = meta.grade == 7 ? 12 : 6;
  Date hi, lo_plus_year;
  if (!add_years(impl->cutoff, -age, hi)) hi = impl->cutoff;
  if (!add_years(impl->cutoff, -(age + 1), lo_plus_year)) lo_plus_year = hi;
  impl->window_hi = hi;
  impl->window_lo = Date::from_days(lo_plus_year.days() + 1);
  impl->regions.assign(kDefaultRegions.begin(), kDefaultRegions.end());

  // Plans from the declared facts (lists are followed by their fields in Policy::facts()).
  Applicant& a = impl->applicant;
  for (const FactInfo& f : policy->facts()) {
    if (const auto bracket = f.path.find("[]."); bracket != std::string::npos) {
      const std::string list_path = f.path.substr(0, bracket);
      auto it = std::find_if(impl->lists.begin(), impl->lists.end(), [&](const Plan& p) { return p.path == list_path; });
      if (it == impl->lists.end()) continue;
      Plan field;
      field.path = f.path;
      field.key = f.path.substr(bracket + 3);
      field.type = f.type;
      field.handle = a.find_field(it->handle, field.key);
      field.has_default = f.has_default;
      field.values = f.values;
      default_ranges(field, *impl);
      it->fields.push_back(std::move(field));
      continue;
    }
    Plan plan;
    plan.path = f.path;
    plan.type = f.type;
    plan.handle = a.find_fact(f.path);
    plan.has_default = f.has_default;
    plan.context = f.context;
    plan.values = f.values;
    if (f.type == FactType::list) {
      plan.items_max = f.max_items;
      impl->lists.push_back(std::move(plan));
      continue;
    }
    default_ranges(plan, *impl);
    impl->plans.push_back(std::move(plan));
  }
  for (std::size_t i = 0; i < impl->plans.size(); ++i) {
    const Plan& p = impl->plans[i];
    if (p.path == "id" && (p.type == FactType::resident_id || p.type == FactType::string))
      impl->id_plan = static_cast<int>(i);
    if (impl->birth_plan < 0 && p.type == FactType::date && p.birth) impl->birth_plan = static_cast<int>(i);
  }
  // Defaults documented in docs/performance.md; the top-level `id` is always present.
  if (impl->id_plan >= 0) impl->plans[static_cast<std::size_t>(impl->id_plan)].absent = 0;

  // The profile.
  if (!profile_yaml.empty()) {
    ProfileReader reader(profile_yaml, profile_name, result.diagnostics);
    YAML::Node root;
    try {
      root = YAML::Load(std::string(profile_yaml));
    } catch (const YAML::ParserException& e) {
      reader.error(e.mark, "malformed YAML: " + e.msg);
      return result;
    }
    if (root.IsNull()) {
      // An empty profile: the defaults.
    } else if (reader.is_map(root, "a profile")) {
      for (const auto& kv : root) {
        const std::string key = reader.scalar_key(kv.first);
        const YAML::Node& v = kv.second;
        if (key == "facts") {
          if (!reader.is_map(v, "`facts`")) continue;
          for (const auto& f : v) {
            const std::string path = reader.scalar_key(f.first);
            Plan* plan = nullptr;
            for (Plan& p : impl->plans)
              if (p.path == path) plan = &p;
            for (Plan& l : impl->lists) {
              if (l.path == path) plan = &l;
              for (Plan& field : l.fields)
                if (field.path == path) plan = &field;
            }
            if (!plan) {
              reader.error(f.first, "`" + path + "` is not a fact of policy `" + policy->metadata().id +
                                        "` (list fields are written `list[].field`)");
              continue;
            }
            apply_profile(reader, f.second, *plan);
          }
        } else if (key == "certificates") {
          if (!reader.is_map(v, "`certificates`")) continue;
          std::optional<double> complete, one, more;
          for (const auto& c : v) {
            const std::string k = reader.scalar_key(c.first);
            auto p = reader.number(c.second, "`certificates." + k + "`", 0, 1);
            if (!p) continue;
            if (k == "complete") complete = *p;
            else if (k == "missing_one") one = *p;
            else if (k == "missing_more") more = *p;
            else if (k == "submitted") impl->submitted_share = *p;
            else if (k == "extra") impl->extra = *p;
            else reader.error(c.first, "unknown key `" + k + "` (expected complete, missing_one, missing_more, submitted, extra)");
          }
          if (complete || one || more) {
            // Shares are relative: the ones given are scaled to sum to 1 with the defaults for the rest.
            const double c0 = complete.value_or(0.85), c1 = one.value_or(0.10), c2 = more.value_or(0.05);
            const double total = c0 + c1 + c2;
            if (total <= 0) {
              reader.error(v, "the certificate shares must not all be zero");
            } else {
              impl->complete = c0 / total;
              impl->missing_one = c1 / total;
            }
          }
        } else if (key == "ids") {
          if (!reader.is_map(v, "`ids`")) continue;
          for (const auto& c : v) {
            const std::string k = reader.scalar_key(c.first);
            if (k != "regions") {
              reader.error(c.first, "unknown key `" + k + "` (expected regions)");
              continue;
            }
            if (!c.second.IsSequence() || c.second.size() == 0) {
              reader.error(c.second, "`ids.regions` must be a non-empty list of 6-digit region codes");
              continue;
            }
            std::vector<std::string> regions;
            for (const auto& r : c.second) {
              const std::string s = r.IsScalar() ? r.Scalar() : std::string();
              if (s.size() != 6 || !std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
                reader.error(r, "a region code is 6 digits, e.g. \"370702\"");
                continue;
              }
              regions.push_back(s);
            }
            if (!regions.empty()) impl->regions = std::move(regions);
          }
        } else {
          reader.error(kv.first, "unknown key `" + key + "` (expected facts, certificates, ids)");
        }
      }
    }
    if (has_errors(result.diagnostics)) return result;
    // A birth date named in the profile with `within` becomes the resident ID's source too.
    if (impl->birth_plan < 0)
      for (std::size_t i = 0; i < impl->plans.size(); ++i)
        if (impl->plans[i].type == FactType::date && impl->plans[i].birth) {
          impl->birth_plan = static_cast<int>(i);
          break;
        }
  }

  for (std::size_t i = 0; i < impl->plans.size(); ++i)
    insert_node(impl->plans[i].context ? impl->context_tree : impl->tree, impl->plans[i].path, static_cast<int>(i), -1);
  for (std::size_t l = 0; l < impl->lists.size(); ++l) insert_node(impl->tree, impl->lists[l].path, -1, static_cast<int>(l));
  impl->values.resize(impl->plans.size());
  impl->list_values.resize(impl->lists.size());
  for (const CertificateInfo& c : policy->certificates()) impl->verifiable.push_back(!c.verified_by.empty());
  impl->status.assign(policy->certificates().size(), 0);
  result.synthesizer = SynthFactory::make(std::move(impl));
  return result;
}

}  // namespace admit
