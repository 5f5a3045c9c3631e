// Binding applicant records to a policy's fact slots. Names are looked up here, once per record;
// evaluation then reads slots only. Buffers are sized once per Applicant and reused across records.

#include "admit/applicant.hpp"
#include "admit/context.hpp"

#include <fmt/format.h>

#include <cstring>

#include "admit/policy.hpp"
#include "admit/resident_id.hpp"
#include "json/json_reader.hpp"
#include "policy/applicant_storage.hpp"
#include "policy/compiled_policy.hpp"
#include "vm/ops.hpp"

namespace admit {

using internal::CompiledPolicy;
using internal::FactDef;
using internal::JsonReader;
using internal::JsonToken;
using internal::ListDef;
using internal::TypeKind;

namespace {

constexpr std::uint32_t kListFlag = 0x40000000u;

// The texts as JSON strings with their quotes (see Storage::enum_patterns), or nothing when there
// are more than 16 or one needs escapes or is not ASCII.
template <typename Table, typename Name>
std::vector<std::string> json_patterns(const Table& table, Name name) {
  std::vector<std::string> patterns;
  if (table.size() > 16) return patterns;
  for (const auto& entry : table) {
    const std::string_view text = name(entry);
    if (internal::skip_plain_json(text.data(), text.data() + text.size()) != text.data() + text.size()) return {};
    std::string& pattern = patterns.emplace_back(1, '"');
    pattern.append(text).push_back('"');
  }
  return patterns;
}

}  // namespace

Applicant::Storage::Storage(const CompiledPolicy& p) : policy(&p) {
  certificate_words = (p.certificate_infos.size() + 63) / 64;
  hot.assign(p.slot_count + 2 * certificate_words, 0);
  slots = hot.data();
  verified = reinterpret_cast<std::uint64_t*>(hot.data() + p.slot_count);
  submitted = verified + certificate_words;
  present.assign(p.slot_count, 0);
  std::size_t string_total = p.string_count;
  list_string_base.resize(p.lists.size());
  for (std::size_t l = 0; l < p.lists.size(); ++l) {
    list_string_base[l] = static_cast<std::uint32_t>(string_total);
    string_total += static_cast<std::size_t>(p.lists[l].max_items) * p.lists[l].string_fields;
  }
  strings.resize(string_total);
  views.resize(string_total);
  lists.resize(p.lists.size());
  records.resize(p.lists.size());
  for (std::size_t l = 0; l < p.lists.size(); ++l) {
    const ListDef& def = p.lists[l];
    records[l].assign(static_cast<std::size_t>(def.max_items) * std::max<std::size_t>(def.fields.size(), 1), 0);
    record_present.emplace_back(static_cast<std::size_t>(def.max_items) * def.fields.size(), 0);
    lists[l] = internal::vm::ListView{records[l].data(), 0, static_cast<std::uint32_t>(def.fields.size())};
    slots[def.slot] = internal::vm::slot_of(&lists[l]);
  }
  for (std::uint32_t i = 0; i < p.facts.size(); ++i) {
    if (p.facts[i].context) context_facts.push_back(i);
    else applicant_slots.push_back(p.facts[i].slot);
  }
  for (const auto& e : p.enums) enum_patterns.push_back(json_patterns(e.values, [](const std::string& v) -> std::string_view { return v; }));
  certificate_patterns = json_patterns(p.certificate_infos, [](const CertificateInfo& c) -> std::string_view { return c.id; });
  applicant_slots_contiguous = true;
  for (std::size_t k = 1; k < applicant_slots.size(); ++k)
    applicant_slots_contiguous &= applicant_slots[k] == applicant_slots[0] + k;
}

void Applicant::Storage::clear() noexcept {
  std::fill(present.begin(), present.end(), 0);
  for (std::size_t l = 0; l < lists.size(); ++l) {
    lists[l].count = 0;
    std::fill(record_present[l].begin(), record_present[l].end(), 0);
  }
  std::fill_n(verified, 2 * certificate_words, std::uint64_t{0});
}

Applicant::Applicant(const Policy& policy)
    : policy_(&policy), storage_(std::make_unique<Storage>(policy.compiled())) {}
Applicant::~Applicant() = default;
Applicant::Applicant(Applicant&&) noexcept = default;
Applicant& Applicant::operator=(Applicant&&) noexcept = default;

void Applicant::clear() noexcept {
  storage_->clear();
  id_.clear();
}

void Applicant::set_id(std::string_view id) { id_.assign(id); }

FactHandle Applicant::find_fact(std::string_view path) const noexcept {
  const CompiledPolicy& p = *storage_->policy;
  if (auto it = p.fact_by_path.find(path); it != p.fact_by_path.end()) return FactHandle{it->second};
  if (auto it = p.list_by_path.find(path); it != p.list_by_path.end()) return FactHandle{kListFlag | it->second};
  return FactHandle{};
}

FactHandle Applicant::find_field(FactHandle list, std::string_view field) const noexcept {
  if (!list || !(list.index & kListFlag)) return FactHandle{};
  const ListDef& def = storage_->policy->lists[list.index & ~kListFlag];
  auto it = def.field_index.find(field);
  return it == def.field_index.end() ? FactHandle{} : FactHandle{it->second};
}

namespace {

const FactDef* scalar_fact(const CompiledPolicy& p, FactHandle h) {
  if (!h || (h.index & kListFlag) || h.index >= p.facts.size()) return nullptr;
  return &p.facts[h.index];
}

}  // namespace

bool Applicant::set_bool(FactHandle fact, bool value) noexcept {
  const FactDef* f = scalar_fact(*storage_->policy, fact);
  if (!f || f->type.kind != TypeKind::boolean) return false;
  storage_->set(f->slot, value);
  return true;
}

bool Applicant::set_int(FactHandle fact, std::int64_t value) noexcept {
  const FactDef* f = scalar_fact(*storage_->policy, fact);
  if (!f) return false;
  if (f->type.kind == TypeKind::integer) {
    storage_->set(f->slot, value);
    return true;
  }
  if (f->type.kind == TypeKind::decimal) {
    std::int64_t units = 0;
    if (__builtin_mul_overflow(value, Decimal::kOne, &units)) return false;
    storage_->set(f->slot, units);
    return true;
  }
  return false;
}

bool Applicant::set_decimal(FactHandle fact, Decimal value) noexcept {
  const FactDef* f = scalar_fact(*storage_->policy, fact);
  if (!f || f->type.kind != TypeKind::decimal) return false;
  storage_->set(f->slot, value.units());
  return true;
}

bool Applicant::set_date(FactHandle fact, Date value) noexcept {
  const FactDef* f = scalar_fact(*storage_->policy, fact);
  if (!f || f->type.kind != TypeKind::date) return false;
  storage_->set(f->slot, value.days());
  return true;
}

bool Applicant::set_string(FactHandle fact, std::string_view value) {
  const CompiledPolicy& p = *storage_->policy;
  const FactDef* f = scalar_fact(p, fact);
  if (!f) return false;
  if (f->type.kind == TypeKind::enumeration) {
    const auto& e = p.enums[f->type.id];
    auto it = e.index.find(value);
    if (it == e.index.end()) return false;
    storage_->set(f->slot, it->second);
    return true;
  }
  if (f->type.kind != TypeKind::string) return false;
  storage_->set_string(f->slot, f->string_index, value);
  return true;
}

int Applicant::add_record(FactHandle list) {
  if (!list || !(list.index & kListFlag)) return -1;
  std::uint32_t l = list.index & ~kListFlag;
  const ListDef& def = storage_->policy->lists[l];
  auto& view = storage_->lists[l];
  if (view.count >= def.max_items) return -1;
  return static_cast<int>(view.count++);
}

namespace {
template <typename Fn>
bool with_field(Applicant::Storage& s, FactHandle list, int record, FactHandle field, Fn&& fn) {
  if (!list || !(list.index & kListFlag) || !field) return false;
  std::uint32_t l = list.index & ~kListFlag;
  const ListDef& def = s.policy->lists[l];
  if (record < 0 || static_cast<std::uint32_t>(record) >= s.lists[l].count || field.index >= def.fields.size()) return false;
  return fn(l, static_cast<std::uint32_t>(record), def.fields[field.index]);
}
}  // namespace

bool Applicant::set_field_string(FactHandle list, int record, FactHandle field, std::string_view value) {
  return with_field(*storage_, list, record, field, [&](std::uint32_t l, std::uint32_t r, const FactDef& f) {
    if (f.type.kind == TypeKind::enumeration) {
      const auto& e = storage_->policy->enums[f.type.id];
      auto it = e.index.find(value);
      if (it == e.index.end()) return false;
      storage_->set_field(l, r, f.slot, it->second);
      return true;
    }
    if (f.type.kind != TypeKind::string) return false;
    storage_->set_field_string(l, r, f, value);
    return true;
  });
}

bool Applicant::set_field_int(FactHandle list, int record, FactHandle field, std::int64_t value) noexcept {
  return with_field(*storage_, list, record, field, [&](std::uint32_t l, std::uint32_t r, const FactDef& f) {
    if (f.type.kind == TypeKind::integer) {
      storage_->set_field(l, r, f.slot, value);
      return true;
    }
    std::int64_t units = 0;
    if (f.type.kind != TypeKind::decimal || __builtin_mul_overflow(value, Decimal::kOne, &units)) return false;
    storage_->set_field(l, r, f.slot, units);
    return true;
  });
}

bool Applicant::set_field_decimal(FactHandle list, int record, FactHandle field, Decimal value) noexcept {
  return with_field(*storage_, list, record, field, [&](std::uint32_t l, std::uint32_t r, const FactDef& f) {
    if (f.type.kind != TypeKind::decimal) return false;
    storage_->set_field(l, r, f.slot, value.units());
    return true;
  });
}

bool Applicant::set_field_bool(FactHandle list, int record, FactHandle field, bool value) noexcept {
  return with_field(*storage_, list, record, field, [&](std::uint32_t l, std::uint32_t r, const FactDef& f) {
    if (f.type.kind != TypeKind::boolean) return false;
    storage_->set_field(l, r, f.slot, value);
    return true;
  });
}

bool Applicant::set_field_date(FactHandle list, int record, FactHandle field, Date value) noexcept {
  return with_field(*storage_, list, record, field, [&](std::uint32_t l, std::uint32_t r, const FactDef& f) {
    if (f.type.kind != TypeKind::date) return false;
    storage_->set_field(l, r, f.slot, value.days());
    return true;
  });
}

bool Applicant::set_verified(std::string_view certificate_id) noexcept {
  const auto& ids = storage_->policy->certificate_by_id;
  auto it = ids.find(certificate_id);
  if (it == ids.end()) return false;
  storage_->verified[it->second / 64] |= std::uint64_t{1} << (it->second % 64);
  return true;
}

bool Applicant::set_submitted(std::string_view certificate_id) noexcept {
  const auto& ids = storage_->policy->certificate_by_id;
  auto it = ids.find(certificate_id);
  if (it == ids.end()) return false;
  storage_->submitted[it->second / 64] |= std::uint64_t{1} << (it->second % 64);
  return true;
}

bool Applicant::copy_context_value(const internal::FactDef& f) {
  Storage& s = *storage_;
  if (s.context && s.context->present[f.slot]) {
    if (f.type.kind == TypeKind::string)
      s.set_string(f.slot, f.string_index, s.context->views[f.string_index]);
    else
      s.set(f.slot, s.context->slots[f.slot]);
  } else if (f.has_default) {
    if (f.type.kind == TypeKind::string)
      s.set_string(f.slot, f.string_index, f.default_text);
    else
      s.set(f.slot, f.default_slot);
  } else {
    return false;
  }
  s.present[f.slot] = 0;  // taken from the context, not given by the record
  return true;
}

bool Applicant::use_context(const Context* context) {
  Storage& s = *storage_;
  if (context && &context->policy() != policy_) return false;
  s.context = context ? &context->values_.storage() : nullptr;
  bool complete = true;
  for (const FactDef& f : s.policy->facts) {
    if (f.context && !copy_context_value(f) && f.read) complete = false;
  }
  return complete;
}

bool Applicant::finish(BindError* error) {
  Storage& s = *storage_;
  const CompiledPolicy& p = *s.policy;
  auto fail = [&](std::string field, std::string message) {
    if (error) {
      error->field = std::move(field);
      error->message = std::move(message);
      error->offset = 0;
    }
    return false;
  };
  // The common case first: an applicant record that gave every applicant fact. Then only context
  // values (in the policy's order, as below) and list records are left to do.
  bool complete = !s.context_mode;
  if (complete && s.applicant_slots_contiguous && !s.applicant_slots.empty()) {
    complete = std::memchr(s.present.data() + s.applicant_slots[0], 0, s.applicant_slots.size()) == nullptr;
  } else {
    for (std::size_t k = 0; complete && k < s.applicant_slots.size(); ++k) complete = s.present[s.applicant_slots[k]] != 0;
  }
  for (std::size_t k = 0; complete && k < s.context_facts.size(); ++k) {
    const FactDef& f = p.facts[s.context_facts[k]];
    if (!s.present[f.slot] && !copy_context_value(f) && f.read)
      return fail(f.path, fmt::format("the evaluation context does not set `{}` (the policy gives it no default)", f.path));
  }
  for (const FactDef& f : p.facts) {
    if (complete) break;
    if (f.context != s.context_mode) {
      if (f.context && !s.present[f.slot] && !copy_context_value(f) && f.read) {
        return fail(f.path, fmt::format("the evaluation context does not set `{}` (the policy gives it no default)", f.path));
      }
      continue;  // a Context holds no applicant facts
    }
    if (s.present[f.slot]) continue;
    if (!f.has_default) {
      if (f.context && !f.read) continue;  // nothing reads it: not needed
      if (f.context) return fail(f.path, fmt::format("missing context value `{}` (the policy gives it no default)", f.path));
      return fail(f.path, fmt::format("missing `{}` (the policy gives it no default)", f.path));
    }
    if (f.type.kind == TypeKind::string)
      s.set_string(f.slot, f.string_index, f.default_text);
    else
      s.set(f.slot, f.default_slot);
  }
  for (std::size_t l = 0; l < p.lists.size() && !s.context_mode; ++l) {
    const ListDef& def = p.lists[l];
    for (std::uint32_t r = 0; r < s.lists[l].count; ++r) {
      for (const FactDef& f : def.fields) {
        std::size_t at = static_cast<std::size_t>(r) * def.fields.size() + f.slot;
        if (s.record_present[l][at]) continue;
        if (!f.has_default)
          return fail(fmt::format("{}[{}].{}", def.path, r, f.path),
                      fmt::format("missing `{}` in record {} of `{}` (no default)", f.path, r, def.path));
        if (f.type.kind == TypeKind::string)
          s.set_field_string(static_cast<std::uint32_t>(l), r, f, f.default_text);
        else
          s.set_field(static_cast<std::uint32_t>(l), r, f.slot, f.default_slot);
      }
    }
  }
  return true;
}

// --- JSON ----------------------------------------------------------------------------------------

namespace {

template <typename Word>
inline Word load(const char* p) noexcept {
  Word w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Equal bytes, for the short keys and values of applicant records, inline (a memcmp call costs
// more than the comparison): eight bytes at a time, the tail as one overlapping load of the last
// 8, 4 or 2 bytes (never outside the n bytes).
[[gnu::always_inline]] inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8) {
    for (; n > 8; n -= 8, a += 8, b += 8)
      if (load<std::uint64_t>(a) != load<std::uint64_t>(b)) return false;
    return load<std::uint64_t>(a + n - 8) == load<std::uint64_t>(b + n - 8);
  }
  if (n >= 4) return load<std::uint32_t>(a) == load<std::uint32_t>(b) && load<std::uint32_t>(a + n - 4) == load<std::uint32_t>(b + n - 4);
  if (n >= 2) return load<std::uint16_t>(a) == load<std::uint16_t>(b) && a[n - 1] == b[n - 1];
  return n == 0 || *a == *b;
}

// Small tables (enum values, certificate ids, list fields) are searched linearly: a length check
// and a byte comparison per entry cost less than hashing the key. Larger ones use their hash map (`hashed`).
constexpr std::size_t kLinearSearch = 16;

template <typename Table, typename Name, typename Hashed>
std::uint32_t find_small(const Table& table, std::string_view key, Name name, Hashed hashed) {
  if (table.size() > kLinearSearch) return hashed();
  for (std::size_t i = 0; i < table.size(); ++i) {
    const std::string_view candidate = name(table[i]);
    if (candidate.size() == key.size() && same_bytes(candidate.data(), key.data(), key.size()))
      return static_cast<std::uint32_t>(i);
  }
  return UINT32_MAX;
}

using KeyKind = Applicant::Storage::KeyKind;
using ResolvedKey = Applicant::Storage::ResolvedKey;

// What a key of the record means (it depends only on the policy and the text).
ResolvedKey resolve_key(const CompiledPolicy& p, std::string_view path, bool top) {
  const bool id = top && path == "id";
  if (top && (path == "verified" || path == "submitted"))
    return {path == "verified" ? KeyKind::verified : KeyKind::submitted, false, UINT32_MAX};
  auto fact_it = p.fact_by_path.find(path);
  if (fact_it != p.fact_by_path.end() && p.facts[fact_it->second].context) return {KeyKind::context_value, id, fact_it->second};
  if (auto list_it = p.list_by_path.find(path); list_it != p.list_by_path.end()) return {KeyKind::list, false, list_it->second};
  const std::uint32_t fact = fact_it == p.fact_by_path.end() ? UINT32_MAX : fact_it->second;
  if (id) return {KeyKind::id, true, fact};
  if (fact != UINT32_MAX) return {KeyKind::fact, false, fact};
  return {KeyKind::unknown, false, UINT32_MAX};
}

// `"key":` when that is how the key is written without escapes, else empty (see FastKey).
void set_pattern(std::string& pattern, std::string_view key) {
  pattern.clear();
  if (internal::skip_plain_json(key.data(), key.data() + key.size()) == key.data() + key.size())
    pattern.append(1, '"').append(key).append("\":");
}

// Top-level key `position` (decoded text): the previous record's key at that position when the
// text is the same (a length check and a byte comparison), otherwise the hash lookups, remembered
// for the next record.
ResolvedKey predict_key(Applicant::Storage& s, std::size_t position, std::string_view key) {
  auto& order = s.key_order;
  if (position < order.size()) {
    auto& guess = order[position];
    if (guess.text.size() == key.size() && same_bytes(guess.text.data(), key.data(), key.size())) [[likely]]
      return guess.resolved;
    const ResolvedKey r = resolve_key(*s.policy, key, true);
    guess.text.assign(key);
    guess.resolved = r;
    return r;
  }
  const ResolvedKey r = resolve_key(*s.policy, key, true);
  if (position < Applicant::Storage::kPredictedKeys) order.push_back({std::string(key), r});
  return r;
}

class JsonBinder {
 public:
  JsonBinder(Applicant& applicant, Applicant::Storage& storage, std::string_view text, BindError* error,
             const BindOptions& options)
      : applicant_(applicant), s_(storage), p_(*storage.policy), reader_(storage.reader), error_(error), options_(options) {
    reader_.reset(text);
  }

  bool run() {
    JsonToken t = reader_.next();
    if (t == JsonToken::error) return json_error();
    if (t != JsonToken::begin_object) return fail("", "an applicant record must be a JSON object");
    if (!object("")) return false;
    t = reader_.next();
    if (t == JsonToken::error) return json_error();
    return true;
  }

 private:
  bool fail(std::string field, std::string message) {
    if (error_) {
      error_->field = std::move(field);
      error_->message = std::move(message);
      error_->offset = reader_.token_offset();
    }
    return false;
  }
  bool json_error() {
    if (error_) {
      error_->field.clear();
      error_->message = fmt::format("invalid JSON: {}", reader_.error_message());
      error_->offset = reader_.error_offset();
    }
    return false;
  }

  bool object(const std::string& prefix) {
    const bool predict = prefix.empty() && !s_.context_mode;
    for (std::size_t position = 0;; ++position) {
      JsonToken t = reader_.next();
      if (t == JsonToken::end_object) return true;
      if (t == JsonToken::error) return json_error();
      // t == key. Top-level keys are looked up as views: no string is built per key.
      std::string_view path = reader_.text();
      if (predict) {
        if (!member(path, predicted(position, path))) return false;
        continue;
      }
      if (!prefix.empty()) {
        nested_path_.assign(prefix).append(".").append(path);
        path = nested_path_;
      }
      if (s_.context_mode) {
        if (!context_member(path)) return false;
        continue;
      }
      if (!member(path, resolve(path, false))) return false;
    }
  }

  using KeyKind = Applicant::Storage::KeyKind;
  using ResolvedKey = Applicant::Storage::ResolvedKey;

  ResolvedKey predicted(std::size_t position, std::string_view key) { return predict_key(s_, position, key); }
  ResolvedKey resolve(std::string_view path, bool top) const { return resolve_key(p_, path, top); }

  // `path` may point into the reader's buffer: it is only valid until the next token.
  bool member(std::string_view path, ResolvedKey key) {
    switch (key.kind) {
      case KeyKind::verified: return certificates(true);
      case KeyKind::submitted: return certificates(false);
      case KeyKind::context_value:
        // The record cannot choose its own school or cut-off dates.
        if (options_.reject_unknown_fields)
          return fail(std::string(path), fmt::format("`{}` is an evaluation context value, not part of the applicant record", path));
        if (key.is_id) return id_member(UINT32_MAX);
        return unknown_member(std::string(path));
      case KeyKind::unknown: return unknown_member(std::string(path));
      case KeyKind::list: {
        JsonToken t = reader_.next();
        if (t == JsonToken::error) return json_error();
        return list(key.index, p_.lists[key.index].path, t);
      }
      case KeyKind::id: return id_member(key.index);
      case KeyKind::fact: break;
    }
    const FactDef& f = p_.facts[key.index];
    JsonToken t = reader_.next();
    if (t == JsonToken::error) return json_error();
    if (s_.present[f.slot]) return fail(f.path, fmt::format("`{}` is given twice", f.path));
    return scalar_value(f, FieldPath{f.path}, t, nullptr);
  }

  // The record's own `id`, and the `id` fact when the policy declares one (UINT32_MAX: none).
  bool id_member(std::uint32_t fact) {
    JsonToken t = reader_.next();
    if (t == JsonToken::error) return json_error();
    if (t != JsonToken::string) return fail("id", "`id` must be a string");
    applicant_.set_id(reader_.text());
    if (fact != UINT32_MAX) return scalar_value(p_.facts[fact], FieldPath{"id"}, t, nullptr);
    return true;
  }

  bool context_member(std::string_view path) {
    auto fact_it = p_.fact_by_path.find(path);
    if (fact_it == p_.fact_by_path.end() || !p_.facts[fact_it->second].context) {
      JsonToken t = reader_.next();
      if (t == JsonToken::error) return json_error();
      if (t == JsonToken::begin_object && has_prefix(std::string(path))) return object(std::string(path));
      return fail(std::string(path), fmt::format("`{}` is not a context value of this policy", path));
    }
    const FactDef& f = p_.facts[fact_it->second];
    JsonToken t = reader_.next();
    if (t == JsonToken::error) return json_error();
    if (s_.present[f.slot]) return fail(f.path, fmt::format("`{}` is given twice", f.path));
    return scalar_value(f, FieldPath{f.path}, t, nullptr);
  }

  bool unknown_member(const std::string& path) {
    JsonToken t = reader_.next();
    if (t == JsonToken::error) return json_error();
    if (t == JsonToken::begin_object && has_prefix(path)) return object(path);
    if (options_.reject_unknown_fields) return fail(path, fmt::format("`{}` is not a fact of this policy", path));
    return t == JsonToken::begin_object || t == JsonToken::begin_array ? (reader_.skip_value() || json_error()) : true;
  }

  bool has_prefix(const std::string& path) const {
    std::string prefix = path + ".";
    for (const auto& [name, index] : p_.fact_by_path)
      if (name.compare(0, prefix.size(), prefix) == 0) return true;
    for (const auto& [name, index] : p_.list_by_path)
      if (name.compare(0, prefix.size(), prefix) == 0) return true;
    return false;
  }

  bool certificates(bool verified) {
    const char* what = verified ? "verified" : "submitted";
    JsonToken t = reader_.next();
    if (t == JsonToken::error) return json_error();
    if (t == JsonToken::null_value) return true;
    if (t != JsonToken::begin_array) return fail(what, fmt::format("`{}` must be a list of certificate ids", what));
    for (;;) {
      t = reader_.next();
      if (t == JsonToken::end_array) return true;
      if (t == JsonToken::error) return json_error();
      if (t != JsonToken::string) return fail(what, fmt::format("`{}` must contain certificate ids (strings)", what));
      std::string_view id = reader_.text();
      const std::uint32_t c = find_small(p_.certificate_infos, id, [](const CertificateInfo& info) -> std::string_view { return info.id; },
                                         [&] {
                                           auto it = p_.certificate_by_id.find(id);
                                           return it == p_.certificate_by_id.end() ? UINT32_MAX : it->second;
                                         });
      if (c == UINT32_MAX) return fail(what, fmt::format("unknown certificate `{}` in `{}`", printable_value(id), what));
      (verified ? s_.verified : s_.submitted)[c / 64] |= std::uint64_t{1} << (c % 64);
    }
  }

  // A value's dotted path for messages ("properties[1].share"), built only when there is one to write.
  struct FieldPath {
    std::string_view base;              // the fact's path, or the list's path
    std::uint32_t record = UINT32_MAX;  // in a list: the record
    std::string_view field = {};        // in a list: the field's name
    std::string str() const {
      if (record == UINT32_MAX) return std::string(base);
      return fmt::format("{}[{}].{}", base, record, field);
    }
  };

  // Writes one scalar value: to a top-level slot (record == nullptr) or a list record field.
  struct RecordTarget {
    std::uint32_t list;
    std::uint32_t record;
  };

  bool scalar_value(const FactDef& f, const FieldPath& where, JsonToken t, const RecordTarget* target) {
    auto path = [&] { return where.str(); };  // for messages only
    auto store = [&](std::int64_t v) {
      if (target)
        s_.set_field(target->list, target->record, f.slot, v);
      else
        s_.set(f.slot, v);
      return true;
    };
    if (t == JsonToken::null_value) return true;  // absent: the default applies, or it is reported missing
    std::string_view text = reader_.text();
    switch (f.type.kind) {
      case TypeKind::boolean:
        if (t == JsonToken::true_value || t == JsonToken::false_value) return store(t == JsonToken::true_value);
        return fail(path(), fmt::format("`{}` must be true or false", path()));
      case TypeKind::integer: {
        if (t != JsonToken::number) return fail(path(), fmt::format("`{}` must be a whole number", path()));
        std::int64_t v = 0;
        bool negative = text.front() == '-';
        for (std::size_t i = negative ? 1 : 0; i < text.size(); ++i) {
          char c = text[i];
          if (c < '0' || c > '9')
            return fail(path(), fmt::format("`{}` must be a whole number, found {}", path(), printable_value(text)));
          if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v))
            return fail(path(), fmt::format("`{}` is too large", path()));
        }
        return store(negative ? -v : v);
      }
      case TypeKind::decimal: {
        if (t != JsonToken::number) return fail(path(), fmt::format("`{}` must be a number", path()));
        auto d = Decimal::parse(text);
        if (!d)
          return fail(path(), fmt::format("`{}` must be a number with at most 6 decimals and no exponent, found {}", path(),
                                        printable_value(text)));
        return store(d->units());
      }
      case TypeKind::date: {
        if (t != JsonToken::string) return fail(path(), fmt::format("`{}` must be a date string \"YYYY-MM-DD\"", path()));
        auto d = Date::parse(text);
        if (!d) return fail(path(), fmt::format("`{}` is not a real date (YYYY-MM-DD): \"{}\"", path(), printable_value(text)));
        return store(d->days());
      }
      case TypeKind::enumeration: {
        if (t != JsonToken::string) return fail(path(), fmt::format("`{}` must be a string naming a value", path()));
        const auto& e = p_.enums[f.type.id];
        const std::uint32_t value = find_small(e.values, text, [](const std::string& v) -> std::string_view { return v; },
                                               [&] {
                                                 auto it = e.index.find(text);
                                                 return it == e.index.end() ? UINT32_MAX : it->second;
                                               });
        if (value == UINT32_MAX)
          return fail(path(), fmt::format("`{}` has unknown value \"{}\" (expected one of: {})", path(), printable_value(text),
                                        fmt::join(e.values, ", ")));
        return store(value);
      }
      case TypeKind::string: {
        if (t != JsonToken::string) return fail(path(), fmt::format("`{}` must be a string", path()));
        if (target)
          s_.set_field_string(target->list, target->record, f, text);
        else
          s_.set_string(f.slot, f.string_index, text);
        return true;
      }
      default: return fail(path(), "unsupported fact type");
    }
  }

  bool list(std::uint32_t l, const std::string& path, JsonToken t) {
    const ListDef& def = p_.lists[l];
    if (t == JsonToken::null_value) return true;
    if (t != JsonToken::begin_array) return fail(path, fmt::format("`{}` must be a list of objects", path));
    if (s_.lists[l].count != 0) return fail(path, fmt::format("`{}` is given twice", path));
    for (;;) {
      t = reader_.next();
      if (t == JsonToken::end_array) return true;
      if (t == JsonToken::error) return json_error();
      std::uint32_t record = s_.lists[l].count;
      if (t != JsonToken::begin_object) {
        const std::string record_path = fmt::format("{}[{}]", path, record);
        return fail(record_path, fmt::format("`{}` must be an object", record_path));
      }
      if (record >= def.max_items)
        return fail(path, fmt::format("`{}` has more than {} records (max_items)", path, def.max_items));
      ++s_.lists[l].count;
      RecordTarget target{l, record};
      // No string is built per record or field: paths are written out only for messages.
      for (;;) {
        t = reader_.next();
        if (t == JsonToken::end_object) break;
        if (t == JsonToken::error) return json_error();
        const std::string_view name = reader_.text();  // valid until the next token
        const std::uint32_t index = find_small(def.fields, name, [](const FactDef& field) -> std::string_view { return field.path; },
                                               [&] {
                                                 auto it = def.field_index.find(name);
                                                 return it == def.field_index.end() ? UINT32_MAX : it->second;
                                               });
        if (index == UINT32_MAX) {
          const std::string field(name);
          t = reader_.next();
          if (t == JsonToken::error) return json_error();
          if (options_.reject_unknown_fields)
            return fail(FieldPath{path, record, field}.str(), fmt::format("`{}` is not a field of `{}`", field, path));
          if ((t == JsonToken::begin_object || t == JsonToken::begin_array) && !reader_.skip_value()) return json_error();
          continue;
        }
        const FactDef& f = def.fields[index];
        const FieldPath where{path, record, f.path};
        t = reader_.next();
        if (t == JsonToken::error) return json_error();
        std::size_t at = static_cast<std::size_t>(record) * def.fields.size() + f.slot;
        if (s_.record_present[l][at]) return fail(where.str(), fmt::format("`{}` is given twice", where.str()));
        if (!scalar_value(f, where, t, &target)) return false;
      }
    }
  }

  Applicant& applicant_;
  std::string nested_path_;
  Applicant::Storage& s_;
  const CompiledPolicy& p_;
  JsonReader& reader_;
  BindError* error_;
  const BindOptions& options_;
};

// The fast path of bind_json for the common record: one flat object whose keys are mostly in the
// order of the previous record, plain strings (no escapes), scalars and certificate lists. It
// reads the bytes directly, compares each key with the predicted one including its quotes, and
// parses each value straight into its slot by the fact's type. It never reports anything: on
// whatever it does not handle (escapes, nested objects, lists of records, context values, a
// value of the wrong type, a duplicate, any syntax error) it returns false, and bind_json clears
// the applicant and binds the record again with the general reader, which words the error. So it
// only has to accept a subset of what the general path accepts, binding it identically.
class FastJsonBinder {
 public:
  FastJsonBinder(Applicant& applicant, Applicant::Storage& storage, std::string_view text, bool reject_unknown) noexcept
      : applicant_(applicant),
        s_(storage),
        p_(*storage.policy),
        cur_(text.data()),
        end_(text.data() + text.size()),
        reject_unknown_(reject_unknown) {}

  bool run() {
    skip_ws();
    if (cur_ == end_ || *cur_ != '{') return false;
    ++cur_;
    if (s_.fast_keys.empty()) s_.fast_keys.emplace_back();  // the record
    if (!members(kRoot)) return false;
    skip_ws();
    return cur_ == end_;
  }

 private:
  using FastKind = Applicant::Storage::FastKind;
  using FastKey = Applicant::Storage::FastKey;
  static constexpr std::uint32_t kRoot = 0;  // the record's entry in Storage::fast_keys
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // Whitespace (if any) and then not the end of the input.
  [[gnu::always_inline]] bool more() noexcept {
    if (cur_ != end_ && maybe_space(*cur_)) skip_ws();
    return cur_ != end_;
  }

  // After '{': the members through the closing '}'. object: this object's entry (kRoot: the record).
  bool members(std::uint32_t object) {
    if (!more()) return false;
    if (*cur_ == '}') {
      ++cur_;
      return true;
    }
    for (std::uint32_t previous = kNone;;) {
      if (*cur_ != '"') return false;
      const std::uint32_t key = read_key(object, previous, kNone);  // through the colon
      if (key == kNone || !more()) return false;
      previous = key;
      const FastKey& entry = s_.fast_keys[key];
      if (!member(entry.kind, entry.index, key)) return false;
      if (!more()) return false;
      if (*cur_ == '}') {
        ++cur_;
        return true;
      }
      if (*cur_ != ',') return false;
      ++cur_;
      if (!more()) return false;
    }
  }

  // At '"': the key and its colon, in object `object` after the key `previous` (kNone: the first).
  // Returns its entry in Storage::fast_keys: the key that followed `previous` last time when it is
  // written the same way, else one of the object's keys seen before, else a new entry. kNone: for
  // the general path. list: the list whose record this is, or kNone.
  [[gnu::always_inline]] std::uint32_t read_key(std::uint32_t object, std::uint32_t previous, std::uint32_t list) {
    auto& keys = s_.fast_keys;
    std::uint32_t& guess = previous == kNone ? keys[object].first : keys[previous].next;
    if (guess != kNone) {
      const std::string& pattern = keys[guess].pattern;
      const std::size_t n = pattern.size();
      if (n != 0 && static_cast<std::size_t>(end_ - cur_) >= n && same_bytes(cur_, pattern.data(), n)) [[likely]] {
        cur_ += n;
        return guess;
      }
    }
    const std::uint32_t entry = find_key(object, list);
    if (entry != kNone) (previous == kNone ? keys[object].first : keys[previous].next) = entry;  // keys may have grown
    return entry;
  }

  // read_key when the guess does not hold.
  [[gnu::noinline]] std::uint32_t find_key(std::uint32_t object, std::uint32_t list) {
    auto& keys = s_.fast_keys;
    const auto available = static_cast<std::size_t>(end_ - cur_);
    for (const std::uint32_t member : keys[object].members) {
      const std::string& pattern = keys[member].pattern;
      if (!pattern.empty() && pattern.size() <= available && same_bytes(cur_, pattern.data(), pattern.size())) {
        cur_ += pattern.size();
        return member;
      }
    }
    const char* const content = cur_ + 1;
    const char* const q = internal::skip_plain_json(content, end_);
    if (q == end_ || *q != '"') return kNone;  // escapes, non-ASCII, control characters: the general path
    if (static_cast<std::size_t>(q - content) > JsonReader::Limits{}.max_string_bytes) return kNone;
    const std::string_view key(content, static_cast<std::size_t>(q - content));
    cur_ = q + 1;
    skip_ws();
    if (cur_ == end_ || *cur_ != ':') return kNone;
    ++cur_;
    for (const std::uint32_t member : keys[object].members)  // known, with whitespace before the colon
      if (keys[member].text == key) return member;
    if (keys.size() >= Applicant::Storage::kFastKeys) return kNone;
    const auto entry = static_cast<std::uint32_t>(keys.size());
    keys.emplace_back();
    keys[object].members.push_back(entry);
    keys[entry].text.assign(key);
    set_pattern(keys[entry].pattern, key);
    resolve(entry, key, object, list);
    return entry;
  }

  // What key means in its place, as the general path would take it (JsonBinder: member, list).
  void resolve(std::uint32_t entry_index, std::string_view key, std::uint32_t object, std::uint32_t list) {
    FastKey& entry = s_.fast_keys[entry_index];
    entry.path.clear();
    entry.index = kNone;
    if (list != kNone) {
      const ListDef& def = p_.lists[list];
      entry.index = find_small(def.fields, key, [](const FactDef& field) -> std::string_view { return field.path; }, [&] {
        auto it = def.field_index.find(key);
        return it == def.field_index.end() ? UINT32_MAX : it->second;
      });
      entry.kind = entry.index == kNone ? FastKind::skip : FastKind::field;
      return;
    }
    std::string_view path = key;
    if (object != kRoot) {
      std::string& scratch = s_.fast_key_path;
      scratch.assign(s_.fast_keys[object].path).append(1, '.').append(key);
      path = scratch;
    }
    const ResolvedKey r = resolve_key(p_, path, object == kRoot);
    entry.index = r.index;
    switch (r.kind) {
      case KeyKind::verified: entry.kind = FastKind::verified; return;
      case KeyKind::submitted: entry.kind = FastKind::submitted; return;
      case KeyKind::fact: entry.kind = FastKind::fact; return;
      case KeyKind::list: entry.kind = FastKind::list; return;
      case KeyKind::id: entry.kind = FastKind::id; return;
      case KeyKind::context_value: entry.kind = FastKind::general; return;
      case KeyKind::unknown:
        if (has_fact_prefix(path)) {
          entry.kind = FastKind::object;
          entry.path.assign(path);
        } else {
          entry.kind = FastKind::skip;
        }
        return;
    }
    entry.kind = FastKind::general;
  }

  // Some fact or list path starts with `path.` (JsonBinder::has_prefix).
  bool has_fact_prefix(std::string_view path) const {
    auto starts = [&](const std::string& name) {
      return name.size() > path.size() && name[path.size()] == '.' && name.compare(0, path.size(), path) == 0;
    };
    for (const auto& [name, index] : p_.fact_by_path)
      if (starts(name)) return true;
    for (const auto& [name, index] : p_.list_by_path)
      if (starts(name)) return true;
    return false;
  }

  [[gnu::always_inline]] bool member(FastKind kind, std::uint32_t index, std::uint32_t key) {
    switch (kind) {
      case FastKind::fact: {
        const FactDef& f = p_.facts[index];
        if (s_.present[f.slot]) return false;  // given twice
        return scalar(f);
      }
      case FastKind::verified: return certificates(s_.verified);
      case FastKind::submitted: return certificates(s_.submitted);
      case FastKind::id: {
        std::string_view text;
        if (*cur_ != '"' || !plain_string(text)) return false;
        applicant_.set_id(text);
        return index == kNone || text_value(p_.facts[index], text);
      }
      case FastKind::list: return records(index, key);
      case FastKind::object:
        if (*cur_ == '{') {
          ++cur_;
          return members(key);
        }
        return !reject_unknown_ && skip_value();
      case FastKind::skip: return !reject_unknown_ && skip_value();
      case FastKind::field:
      case FastKind::general: return false;
    }
    return false;
  }

  // The records of list fact l (JsonBinder::list): null, or an array of flat objects.
  [[gnu::noinline]] bool records(std::uint32_t l, std::uint32_t key) {
    if (*cur_ == 'n') return literal("null", 4);
    if (*cur_ != '[') return false;
    auto& view = s_.lists[l];
    if (view.count != 0) return false;  // given twice
    const ListDef& def = p_.lists[l];
    ++cur_;
    if (!more()) return false;
    if (*cur_ == ']') {
      ++cur_;
      return true;
    }
    for (;;) {
      if (*cur_ != '{' || view.count >= def.max_items) return false;
      const std::uint32_t record = view.count++;
      ++cur_;
      if (!more()) return false;
      if (*cur_ == '}') {
        ++cur_;
      } else {
        for (std::uint32_t previous = kNone;;) {
          if (*cur_ != '"') return false;
          const std::uint32_t field = read_key(key, previous, l);
          if (field == kNone || !more()) return false;
          previous = field;
          const FastKey& entry = s_.fast_keys[field];
          if (entry.kind == FastKind::skip) {
            if (reject_unknown_ || !skip_value()) return false;
          } else {
            const FactDef& f = def.fields[entry.index];
            if (s_.record_present[l][static_cast<std::size_t>(record) * def.fields.size() + f.slot]) return false;
            list_ = l;
            record_ = record;
            if (!scalar<true>(f)) return false;
          }
          if (!more()) return false;
          if (*cur_ == '}') {
            ++cur_;
            break;
          }
          if (*cur_ != ',') return false;
          ++cur_;
          if (!more()) return false;
        }
      }
      if (!more()) return false;
      if (*cur_ == ']') {
        ++cur_;
        return true;
      }
      if (*cur_ != ',') return false;
      ++cur_;
      if (!more()) return false;
    }
  }

  static bool is_digit(char c) noexcept { return static_cast<unsigned char>(c - '0') < 10; }

  // Every byte that may start or follow a token is above ' ': one comparison when there is no
  // whitespace.
  static bool maybe_space(char c) noexcept { return static_cast<unsigned char>(c) <= ' '; }

  [[gnu::noinline]] void skip_ws() noexcept {
    while (cur_ != end_ && static_cast<unsigned char>(*cur_) <= ' ' &&
           (*cur_ == ' ' || *cur_ == '\n' || *cur_ == '\r' || *cur_ == '\t'))
      ++cur_;
  }

  // At '"': a string without escapes or control characters, valid UTF-8; its content is its value.
  bool plain_string(std::string_view& text) noexcept {
    const char* const content = cur_ + 1;
    const char* q = content;
    for (;;) {
      q = internal::skip_plain_json(q, end_);
      if (q == end_) return false;
      if (*q == '"') break;
      if (static_cast<unsigned char>(*q) < 0x80) return false;  // a backslash or a control character
      const internal::Utf8Sequence seq = internal::scan_utf8_sequence(reinterpret_cast<const unsigned char*>(q),
                                                                      reinterpret_cast<const unsigned char*>(end_));
      if (!seq.valid) return false;
      q += seq.length;
    }
    const auto size = static_cast<std::size_t>(q - content);
    if (size > JsonReader::Limits{}.max_string_bytes) return false;
    text = {content, size};
    cur_ = q + 1;
    return true;
  }

  bool literal(const char* word, std::size_t n) noexcept {
    if (static_cast<std::size_t>(end_ - cur_) < n || !same_bytes(cur_, word, n)) return false;
    cur_ += n;
    return true;  // what follows is checked by the caller (whitespace, ',', '}' or ']')
  }

  // A number by the JSON grammar without exponent: -?(0|[1-9][0-9]*)(.[0-9]+)?
  bool number(std::string_view& text) noexcept {
    const char* q = cur_;
    if (*q == '-') ++q;
    if (q == end_ || !is_digit(*q)) return false;
    if (*q == '0') ++q;
    else
      while (q != end_ && is_digit(*q)) ++q;
    if (q != end_ && *q == '.') {
      ++q;
      if (q == end_ || !is_digit(*q)) return false;
      while (q != end_ && is_digit(*q)) ++q;
    }
    text = {cur_, static_cast<std::size_t>(q - cur_)};
    cur_ = q;
    return true;
  }

  // At '"': the index of the pattern written there (then skipped), or UINT32_MAX.
  std::uint32_t match(const std::vector<std::string>& patterns) noexcept {
    const auto available = static_cast<std::size_t>(end_ - cur_);
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      const std::string& pattern = patterns[i];
      if (pattern.size() <= available && same_bytes(cur_, pattern.data(), pattern.size())) {
        cur_ += pattern.size();
        return static_cast<std::uint32_t>(i);
      }
    }
    return UINT32_MAX;
  }

  // InList: the value is for the field of record record_ of list list_, else for a top-level slot.
  template <bool InList = false>
  [[gnu::always_inline]] bool scalar(const FactDef& f) {
    const char c = *cur_;
    if (c == '"' && f.type.kind == TypeKind::enumeration) {
      if (const std::uint32_t value = match(s_.enum_patterns[f.type.id]); value != UINT32_MAX) return store<InList>(f, value);
    }
    if (c == '"') {
      std::string_view text;
      return plain_string(text) && text_value<InList>(f, text);
    }
    if (c == 'n') return literal("null", 4);  // absent: the default applies, or finish() reports it
    switch (f.type.kind) {
      case TypeKind::boolean:
        if (c == 't' && literal("true", 4)) return store<InList>(f, 1);
        if (c == 'f' && literal("false", 5)) return store<InList>(f, 0);
        return false;
      case TypeKind::integer: {
        const char* q = cur_;
        const bool negative = *q == '-';
        if (negative) ++q;
        if (q == end_ || !is_digit(*q)) return false;
        std::int64_t v = 0;
        if (*q == '0') {
          ++q;  // a digit after it is a syntax error: the caller sees no separator
        } else {
          for (; q != end_ && is_digit(*q); ++q)
            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *q - '0', &v)) return false;
        }
        cur_ = q;
        return store<InList>(f, negative ? -v : v);
      }
      case TypeKind::decimal: {
        std::string_view text;
        if (!number(text)) return false;
        const auto d = Decimal::parse(text);
        return d && store<InList>(f, d->units());
      }
      default: return false;
    }
  }

  // A string value for fact f.
  template <bool InList = false>
  bool text_value(const FactDef& f, std::string_view text) {
    switch (f.type.kind) {
      case TypeKind::date: {
        // Date::parse: exactly YYYY-MM-DD, then Date::from_ymd.
        if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
        const char* t = text.data();
        for (const int i : {0, 1, 2, 3, 5, 6, 8, 9})
          if (!is_digit(t[i])) return false;
        const int year = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
        const auto d = Date::from_ymd(year, (t[5] - '0') * 10 + (t[6] - '0'), (t[8] - '0') * 10 + (t[9] - '0'));
        return d && store<InList>(f, d->days());
      }
      case TypeKind::enumeration: {
        const auto& e = p_.enums[f.type.id];
        const std::uint32_t value = find_small(e.values, text, [](const std::string& v) -> std::string_view { return v; },
                                               [&] {
                                                 auto it = e.index.find(text);
                                                 return it == e.index.end() ? UINT32_MAX : it->second;
                                               });
        return value != UINT32_MAX && store<InList>(f, value);
      }
      case TypeKind::string:
        if constexpr (InList) s_.set_field_string(list_, record_, f, text);
        else s_.set_string(f.slot, f.string_index, text);
        return true;
      default: return false;
    }
  }

  template <bool InList = false>
  bool store(const FactDef& f, std::int64_t value) noexcept {
    if constexpr (InList) s_.set_field(list_, record_, f.slot, value);
    else s_.set(f.slot, value);
    return true;
  }

  bool certificates(std::uint64_t* bits) {
    if (*cur_ == 'n') return literal("null", 4);
    if (*cur_ != '[') return false;
    ++cur_;
    if (cur_ != end_ && maybe_space(*cur_)) skip_ws();
    if (cur_ == end_) return false;
    if (*cur_ == ']') {
      ++cur_;
      return true;
    }
    for (;;) {
      if (*cur_ != '"') return false;
      std::uint32_t c = match(s_.certificate_patterns);
      if (c == UINT32_MAX) {
        std::string_view id;
        if (!plain_string(id)) return false;
        c = find_small(p_.certificate_infos, id, [](const CertificateInfo& info) -> std::string_view { return info.id; },
                       [&] {
                         auto it = p_.certificate_by_id.find(id);
                         return it == p_.certificate_by_id.end() ? UINT32_MAX : it->second;
                       });
        if (c == UINT32_MAX) return false;
      }
      bits[c / 64] |= std::uint64_t{1} << (c % 64);
      if (cur_ != end_ && maybe_space(*cur_)) skip_ws();
      if (cur_ == end_) return false;
      if (*cur_ == ']') {
        ++cur_;
        return true;
      }
      if (*cur_ != ',') return false;
      ++cur_;
      if (cur_ != end_ && maybe_space(*cur_)) skip_ws();
      if (cur_ == end_) return false;
    }
  }

  // The value of a key the policy does not know: validated like the general reader does, then
  // ignored. Strings with escapes and values nested deeper than kSkipDepth go to the general path.
  static constexpr int kSkipDepth = 32;
  [[gnu::noinline]] bool skip_value(int depth = 0) noexcept {
    const char open = *cur_;
    if (open != '{' && open != '[') return skip_scalar();
    if (depth >= kSkipDepth) return false;
    const char close = open == '{' ? '}' : ']';
    ++cur_;
    if (!more()) return false;
    if (*cur_ == close) {
      ++cur_;
      return true;
    }
    for (;;) {
      if (open == '{') {
        std::string_view key;
        if (*cur_ != '"' || !plain_string(key) || !more() || *cur_ != ':') return false;
        ++cur_;
        if (!more()) return false;
      }
      if (!skip_value(depth + 1) || !more()) return false;
      if (*cur_ == close) {
        ++cur_;
        return true;
      }
      if (*cur_ != ',') return false;
      ++cur_;
      if (!more()) return false;
    }
  }

  bool skip_scalar() noexcept {
    const char c = *cur_;
    if (c == '"') {
      std::string_view text;
      return plain_string(text);
    }
    if (c == 't') return literal("true", 4);
    if (c == 'f') return literal("false", 5);
    if (c == 'n') return literal("null", 4);
    std::string_view text;
    if (!number(text)) return false;
    if (cur_ != end_ && (*cur_ == 'e' || *cur_ == 'E')) {
      ++cur_;
      if (cur_ != end_ && (*cur_ == '+' || *cur_ == '-')) ++cur_;
      if (cur_ == end_ || !is_digit(*cur_)) return false;
      while (cur_ != end_ && is_digit(*cur_)) ++cur_;
    }
    return true;
  }

  Applicant& applicant_;
  Applicant::Storage& s_;
  const CompiledPolicy& p_;
  const char* cur_;
  const char* const end_;
  bool reject_unknown_;
  std::uint32_t list_ = kNone;    // while reading a list record's field: the list and record
  std::uint32_t record_ = 0;
};

}  // namespace

bool Applicant::bind_json(std::string_view json, BindError* error, const BindOptions& options) {
  clear();
  if (storage_->json_fast_path && !storage_->context_mode) {
    FastJsonBinder fast(*this, *storage_, json, options.reject_unknown_fields);
    if (fast.run()) {
      ++storage_->json_fast_records;
      return finish(error);
    }
    clear();  // start again with the general reader, which explains what is wrong
  }
  JsonBinder binder(*this, *storage_, json, error, options);
  if (!binder.run()) return false;
  return finish(error);
}

}  // namespace admit
