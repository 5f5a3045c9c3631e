#pragma once
// The slots behind an Applicant. Every buffer is sized from the policy once, so binding a record
// into a warm Applicant only overwrites values (string buffers grow to their largest value).

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/applicant_batch.hpp"
#include "json/json_reader.hpp"
#include "policy/compiled_policy.hpp"
#include "vm/ops.hpp"

namespace admit {

/// What evaluation reads of one applicant, wherever it is stored (an Applicant or a batch row).
struct ApplicantView {
  const std::int64_t* slots;
  const std::uint64_t* verified;
  const std::uint64_t* submitted;
  bool is_verified(std::uint32_t c) const noexcept { return (verified[c / 64] >> (c % 64)) & 1u; }
  bool is_submitted(std::uint32_t c) const noexcept { return (submitted[c / 64] >> (c % 64)) & 1u; }
};

struct Applicant::Storage {
  explicit Storage(const internal::CompiledPolicy& policy);
  void clear() noexcept;

  void set(std::uint32_t slot, std::int64_t value) noexcept {
    slots[slot] = value;
    present[slot] = 1;
  }
  void set_string(std::uint32_t slot, std::uint32_t string_index, std::string_view value) {
    strings[string_index].assign(value);
    views[string_index] = strings[string_index];
    set(slot, internal::vm::slot_of(&views[string_index]));
  }
  void set_field(std::uint32_t list, std::uint32_t record, std::uint32_t field, std::int64_t value) noexcept {
    const auto stride = lists[list].stride;
    records[list][static_cast<std::size_t>(record) * stride + field] = value;
    record_present[list][static_cast<std::size_t>(record) * stride + field] = 1;
  }
  void set_field_string(std::uint32_t list, std::uint32_t record, const internal::FactDef& field, std::string_view value) {
    const auto& def = policy->lists[list];
    std::size_t index = list_string_base[list] + static_cast<std::size_t>(record) * def.string_fields + field.string_index;
    strings[index].assign(value);
    views[index] = strings[index];
    set_field(list, record, field.slot, internal::vm::slot_of(&views[index]));
  }
  ApplicantView view() const noexcept { return ApplicantView{slots, verified, submitted}; }
  bool is_verified(std::uint32_t certificate) const noexcept {
    return (verified[certificate / 64] >> (certificate % 64)) & 1u;
  }
  bool is_submitted(std::uint32_t certificate) const noexcept {
    return (submitted[certificate / 64] >> (certificate % 64)) & 1u;
  }

  const internal::CompiledPolicy* policy;
  // The evaluation context: a Context binds only context values (context_mode); an applicant
  // copies them from the context it uses (or takes their defaults).
  bool context_mode = false;
  const Storage* context = nullptr;
  // What evaluation reads, in one buffer: [fact slots][verified bits][submitted bits], so that an
  // applicant costs the evaluator as few cache lines as possible.
  std::vector<std::int64_t> hot;
  std::int64_t* slots = nullptr;
  std::uint64_t* verified = nullptr;
  std::uint64_t* submitted = nullptr;
  std::size_t certificate_words = 0;
  std::vector<std::uint8_t> present;
  std::vector<std::string> strings;
  std::vector<std::string_view> views;
  std::vector<std::uint32_t> list_string_base;
  std::vector<internal::vm::ListView> lists;
  std::vector<std::vector<std::int64_t>> records;
  std::vector<std::vector<std::uint8_t>> record_present;
  // For finish(): the slots of the applicant facts (not context values), and the context values.
  std::vector<std::uint32_t> applicant_slots;
  std::vector<std::uint32_t> context_facts;
  bool applicant_slots_contiguous = false;  // applicant_slots is first, first + 1, ...
  // Enum values (by enum id) and certificate ids as JSON strings (`"value"`), for bind_json's fast
  // path to compare with the bytes of a record; a table is left empty when it is larger than a
  // linear search is worth or one of its texts would need escapes.
  std::vector<std::vector<std::string>> enum_patterns;
  std::vector<std::string> certificate_patterns;
  internal::JsonReader reader{std::string_view{}};  // reused by bind_json: its buffers stay warm

  // Key-order prediction for bind_json: records from one producer list their keys in the same
  // order, so top-level key i of the previous record, with what it meant, is the first guess for
  // key i of the next one (checked by comparing the text; the hash lookup only on a miss).
  enum class KeyKind : std::uint8_t { verified, submitted, fact, list, id, context_value, unknown };
  struct ResolvedKey {
    KeyKind kind = KeyKind::unknown;
    bool is_id = false;            // context_value: the key is "id" (the record's own id)
    std::uint32_t index = UINT32_MAX;  // fact or list index; id: the `id` fact, or UINT32_MAX
  };
  struct PredictedKey {
    std::string text;
    ResolvedKey resolved;
  };
  static constexpr std::size_t kPredictedKeys = 64;
  std::vector<PredictedKey> key_order;
  // bind_json first tries a reader specialised for records as producers write them
  // (src/policy/applicant.cpp, FastJsonBinder), which hands anything unusual to the general
  // reader; false: the general reader only (tests compare).
  bool json_fast_path = true;
  // What the keys of records mean, learnt as they come: one entry per key seen in each object (the
  // record, a nested object, the records of a list), which never changes meaning (it depends only
  // on the policy, the enclosing object and the text). Keys are predicted in the order last seen:
  // each entry remembers the entry that followed it (and an object the one that came first); a
  // key that is not the guess is looked for among its object's known keys before it is resolved.
  // fast_keys[0] is the record itself.
  enum class FastKind : std::uint8_t { fact, list, object, verified, submitted, id, field, skip, general };
  struct FastKey {
    std::string text;                     // the key
    std::string pattern;                  // `"key":` as written without escapes; empty: never matches
    std::string path;                     // object: the dotted path its members' paths start with
    FastKind kind = FastKind::general;    // skip: unknown (the value is skipped); general: the general path only
    std::uint32_t index = UINT32_MAX;     // fact, list or field index; id: the `id` fact or UINT32_MAX
    std::uint32_t next = UINT32_MAX;      // the entry of the key that followed this one last time
    std::uint32_t first = UINT32_MAX;     // object or list: the entry of its first key last time
    std::vector<std::uint32_t> members;   // object or list: the entries of every key seen in it
  };
  static constexpr std::size_t kFastKeys = 4096;
  std::vector<FastKey> fast_keys;
  std::string fast_key_path;  // scratch: a nested key's dotted path while it is resolved
  std::uint64_t json_fast_records = 0;  // records the fast path read to the end (for tests)
};

// Applicants copied out of a scratch Applicant into one contiguous array (applicant_batch.cpp).
// Defined here so that evaluating row i (batch_view) is inlined into Policy::evaluate.
struct ApplicantBatch::Impl {
  explicit Impl(const Policy& p);

  ApplicantView view(std::size_t i) const noexcept {
    const std::int64_t* row = hot.data() + i * stride;
    auto* bits = reinterpret_cast<const std::uint64_t*>(row + slot_count);
    return ApplicantView{row, bits, bits + words};
  }
  std::int64_t keep_string(std::string_view s);
  void append(const Applicant& a);

  // Keeps a copy of a text and returns a view of it that stays valid as the batch grows: texts are
  // packed into chunks that never move (a std::string per text cost 64 bytes and a heap block for
  // an 18-byte resident ID).
  std::string_view keep_text(std::string_view s);

  const Policy* policy;
  Applicant scratch;
  std::size_t slot_count = 0, words = 0, stride = 0;
  std::vector<std::int64_t> hot;
  std::vector<std::unique_ptr<char[]>> text_chunks;
  std::size_t text_used = 0, text_capacity = 0;  // in the last chunk
  std::deque<std::string_view> views;       // deques: addresses stay valid as the batch grows
  std::deque<std::vector<std::int64_t>> records;
  std::deque<internal::vm::ListView> lists;
  std::vector<std::string_view> ids;
};

inline ApplicantView batch_view(const ApplicantBatch& batch, std::size_t index) noexcept { return batch.impl().view(index); }

}  // namespace admit
