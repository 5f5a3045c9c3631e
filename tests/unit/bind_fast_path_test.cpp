// The fast path of Applicant::bind_json (src/policy/applicant.cpp, FastJsonBinder): flat records
// are read byte by byte into their slots, and anything unusual goes to the general reader. Every
// record must bind exactly as through the general reader alone (Storage::json_fast_path = false):
// the same slots, presence flags, strings, certificate bits, list records and id, or the same
// error (field, message, offset). The records are random mixtures of well-formed members and
// mistakes: shuffled keys, whitespace, escapes, Unicode, duplicates, unknown keys, wrong types,
// huge numbers, nested values, truncation.

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"
#include "policy/applicant_storage.hpp"
#include "policy/compiled_policy.hpp"
#include "support/random.hpp"

namespace {

// Every scalar type, an enum and a certificate table larger than the linear-search limit (16), a
// nested fact, a list fact and a context value.
const char* kPolicy = R"yaml(admit: 1
policy: {id: fast-bind-test, year: 2026, grade: 1}
facts:
  id: {type: resident_id, default: ""}
  birth_date: {type: date}
  zone: {type: enum, values: [in_zone, city, outside]}
  many: {type: enum, values: [v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, v18]}
  months: {type: int, default: 0}
  rate: {type: decimal, default: 0.5}
  flag: {type: bool, default: false}
  school: {type: string, default: ""}
  hukou:
    moved_in: {type: date, default: 2000-01-01}
    kind: {type: enum, values: [family, collective], default: family}
  properties:
    type: list
    max_items: 3
    fields:
      owner: {type: enum, values: [father, mother]}
      share: {type: decimal}
      address: {type: string, default: ""}
context:
  cutoff: {type: date, default: 2026-08-31}
  campus:
    level: {type: int, default: 1}
@CERTIFICATES@groups:
  - id: local
    when: zone == in_zone and birth_date < cutoff
    requires: [c0, @LAST@]
  - id: other
    when: true
points:
  items:
    - id: m
      value: min(months, 24) * rate
    - id: p
      value: sum(p in properties where p.owner == father, p.share)
    - id: f
      value: if flag then 1 else 0
    - id: s
      value: if school == "x" then 2 else 0
    - id: h
      value: if hukou.moved_in < 2010-01-01 then 3 else 0
)yaml";

// The policy with `certificates` certificates c0, c1, ...: 18 is more than a linear search covers
// (16), 3 is searched linearly (and compared as written by the fast path).
const admit::Policy& policy(int certificates = 18) {
  static std::vector<std::pair<int, admit::CompileResult>> compiled;
  for (const auto& [n, result] : compiled)
    if (n == certificates) return *result.policy;
  std::string text = kPolicy, list = "certificates:\n";
  for (int c = 0; c < certificates; ++c) list += "  c" + std::to_string(c) + ": {}\n";
  text.replace(text.find("@CERTIFICATES@"), 14, list);
  text.replace(text.find("@LAST@"), 6, "c" + std::to_string(certificates - 1));
  auto result = admit::compile_source(text, "fast-bind.yaml");
  INFO(admit::render_text(result.diagnostics));
  REQUIRE(result.ok());
  compiled.emplace_back(certificates, std::move(result));
  return *compiled.back().second.policy;
}

using admit_test::Random;
using admit::internal::TypeKind;

// Everything binding leaves in the applicant, as text (or the error). The record is bound from a
// buffer of exactly its size, so that reading past its end is caught by sanitizers and valgrind.
std::string snapshot(admit::Applicant& a, const std::string& json, bool reject) {
  admit::BindError error;
  admit::BindOptions options;
  options.reject_unknown_fields = reject;
  const std::unique_ptr<char[]> exact(new char[json.size() + (json.empty() ? 1 : 0)]);
  std::memcpy(exact.get(), json.data(), json.size());
  if (!a.bind_json(std::string_view(exact.get(), json.size()), &error, options))
    return "error [" + error.field + "] " + error.message + " @" + std::to_string(error.offset);
  const auto& s = a.storage();
  const auto& p = *s.policy;
  std::string out = "id=" + a.id();
  for (const auto& f : p.facts) {
    out += " " + f.path + "=";
    if (f.type.kind == TypeKind::string) out += "\"" + std::string(s.views[f.string_index]) + "\"";
    else out += std::to_string(s.slots[f.slot]);
    if (s.present[f.slot]) out += "!";
  }
  for (std::size_t w = 0; w < s.certificate_words; ++w)
    out += " v" + std::to_string(s.verified[w]) + " s" + std::to_string(s.submitted[w]);
  for (std::size_t l = 0; l < p.lists.size(); ++l) {
    const auto& def = p.lists[l];
    out += " " + def.path + "#" + std::to_string(s.lists[l].count);
    for (std::uint32_t r = 0; r < s.lists[l].count; ++r)
      for (const auto& f : def.fields) {
        out += " " + f.path + "=";
        if (f.type.kind == TypeKind::string)
          out += std::string(s.views[s.list_string_base[l] + r * def.string_fields + f.string_index]);
        else
          out += std::to_string(s.records[l][r * def.fields.size() + f.slot]);
      }
  }
  admit::Decision d;
  a.policy().evaluate(a, d);
  out += " -> " + std::string(d.group_id()) + " " + d.points().to_string();
  return out;
}

std::string pick(Random& r, const std::vector<std::string>& options) {
  return options[static_cast<std::size_t>(r.below(static_cast<int>(options.size())))];
}

// A member (key and value) of a record: mostly well-formed, sometimes a mistake or an oddity.
std::vector<std::string> members(Random& r, int certificate_count) {
  std::vector<std::string> m;
  auto often = [&](const std::string& good, const std::vector<std::string>& odd) {
    m.push_back(r.below(6) != 0 ? good : pick(r, odd));
  };
  often(R"("id":"110101202003010011")",
        {R"("id":5)", R"("id":null)", R"("id":"11010\u0031202003010011")", R"("id":"")", R"("id":"学号")", "\"id\":\"\xff\""});
  often(R"("birth_date":"2020-0)" + std::to_string(1 + r.below(9)) + R"(-01")",
        {R"("birth_date":"2020-02-30")", R"("birth_date":20200101)", R"("birth_date":null)", R"("birth_date":"2020-1-1")",
         R"("birth_date":"2020-01-0\u0031")", R"("birth_date":"")", R"("birth_date":true)"});
  often(std::string(R"("zone":")") + pick(r, {"in_zone", "city", "outside"}) + "\"",
        {R"("zone":"nowhere")", R"("zone":1)", R"("zone":"cit\u0079")", R"("zone":null)", R"("zone":"City")", R"("zone":["city"])"});
  often(R"("many":"v)" + std::to_string(r.below(19)) + "\"", {R"("many":"v99")", R"("many":"v1\u0030")", R"("many":"")"});
  often(R"("months":)" + std::to_string(r.below(40)),
        {R"("months":"3")", R"("months":3.5)", R"("months":1e2)", R"("months":-0)", R"("months":-7)", R"("months":01)",
         R"("months":99999999999999999999)", R"("months":9223372036854775807)", R"("months":-9223372036854775808)",
         R"("months":-)", R"("months":true)", R"("months":null)", R"("months":12a)", R"("months":{"x":1})", R"("months":0)"});
  if (r.below(2))
    often(R"("rate":1.25)", {R"("rate":"1")", R"("rate":1e1)", R"("rate":9999999999999.5)", R"("rate":1.1234567)",
                             R"("rate":-0.0)", R"("rate":.5)", R"("rate":1.)", R"("rate":0)", R"("rate":-3)", R"("rate":00.5)",
                             R"("rate":9223372036854.775807)", R"("rate":9223372036854.775808)", R"("rate":1.5E+2)"});
  if (r.below(2))
    often(R"("flag":true)", {R"("flag":1)", R"("flag":"true")", R"("flag":tru)", R"("flag":falsey)", R"("flag":false)",
                             R"("flag":null)", R"("flag":nul)"});
  if (r.below(2))
    often(R"("school":"x")", {R"("school":"学校")", R"("school":"a\"b")", R"("school":"tab\there")", "\"school\":\"raw\ttab\"",
                              "\"school\":\"bad\xc3(\"", "\"school\":\"overlong\xc0\xaf\"", R"("school":"\ud83d\ude00")",
                              R"("school":5)", R"("school":"")"});
  if (r.below(3) == 0)
    often(R"("hukou":{"moved_in":"2005-05-05","kind":"family"})",
          {R"("hukou":{"kind":"collective","moved_in":"2005-05-05"})", R"("hukou":{})", R"("hukou":{"moved_in":null})",
           R"("hukou":{"unknown":1,"moved_in":"2001-02-03"})", R"("hukou":{"deep":{"x":[1,{"y":null}]},"kind":"family"})",
           R"("hukou":{"moved_in":"2001-01-01","moved_in":"2002-01-01"})", R"("hukou":5)", R"("hukou":[1])", R"("hukou":null)",
           R"("hukou":{"moved_in":"bad"})", R"("hukou":{"moved_in":"2003-03-03"})", R"("hukou":{"kind":"nomad"})",
           R"("hukou":{"kind":"family",})", R"("hukou":{"kind" "family"})", R"("hukou":{"kind":"family"}})"});
  if (r.below(3) == 0) m.push_back(R"("hukou.moved_in":"2011-01-01")");
  if (r.below(8) == 0) m.push_back(pick(r, {R"("campus":{"level":3})", R"("campus":{"other":3})", R"("campus.level":2)"}));
  if (r.below(2)) {
    // A list of records: 0 to 4 of them (max_items is 3), fields in any order, sometimes a mistake.
    auto field = [&](int k) -> std::string {
      switch (k) {
        case 0: return std::string(R"("owner":")") + (r.below(2) ? "father" : "mother") + "\"";
        case 1: return R"("share":)" + std::to_string(r.below(4)) + "." + std::to_string(r.below(100));
        default: return R"("address":"a)" + std::to_string(r.below(10)) + "\"";
      }
    };
    std::string list = "[";
    const int records = r.below(5);
    for (int i = 0; i < records; ++i) {
      std::vector<std::string> fields;
      for (int k = 0; k < 3; ++k)
        if (k < 2 || r.below(2)) fields.push_back(field(k));
      if (r.below(4) == 0) std::swap(fields[0], fields[1]);
      if (r.below(10) == 0)
        fields.push_back(pick(r, {R"("colour":"red")", R"("colour":{"a":[1]})", R"("share":1)", R"("owner":"uncle")",
                                  R"("share":"1")", R"("owner":null)", R"("address":"b")", R"("share":1e2)"}));
      if (r.below(20) == 0) fields.clear();
      std::string record = "{";
      for (std::size_t k = 0; k < fields.size(); ++k) record += (k ? "," : "") + fields[k];
      record += "}";
      if (r.below(30) == 0) record = pick(r, {"1", "null", "[]", "\"x\""});
      list += (i ? "," : "") + record;
    }
    list += r.below(30) == 0 ? ",]" : "]";
    m.push_back(R"("properties":)" + (r.below(20) == 0 ? std::string(pick(r, {"null", "{}", "5"})) : list));
  }
  if (r.below(20) == 0) m.push_back(R"("properties":[])");  // maybe given twice
  auto certificate_list = [&] {
    std::string s = "[";
    const int n = r.below(4);
    for (int i = 0; i < n; ++i) {
      if (i) s += ',';
      s += "\"c";
      s += std::to_string(r.below(certificate_count));
      s += '"';
    }
    return s + "]";
  };
  often(R"("verified":)" + certificate_list(),
        {R"("verified":["nothing"])", R"("verified":"c1")", R"("verified":[1])", R"("verified":null)", R"("verified":["c\u0031"])",
         R"("verified":["c1",])", R"("verified":[,"c1"])", R"("verified":["c1""c2"])", R"("verified":{})"});
  if (r.below(2)) often(R"("submitted":)" + certificate_list(), {R"("submitted":["c1","c1"])", R"("submitted":[null])"});
  if (r.below(4) == 0)
    m.push_back(pick(r, {R"("unknown_key":{"x":[1,2]})", R"("unknown":{"a":[{"b":[[]]},"x",1.5e3,true,null,-0.5]})",
                         R"("unknown":{"a":[1,]})", R"("unknown":{"a":{"b"}})", R"("unknown":[1 2])", R"("unknown":[01])",
                         R"("unknown":{"é":"è"})", R"("unknown":{"é":"ü"})", R"("unknown":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]])",
                         R"("unknown":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]])",
                         R"("unknown":{"x":1}})", R"("unknown":{}, )", R"("unknown":1,)", R"("unknown":-1.5e-3)", R"("unknown":"text")",
                         R"("unknown":null)", R"("unknown":true)", R"("unknown":[1,2])", R"("unknown":"esc\n")", R"("unknown":1e)",
                         R"("unknown":1.5E+)", R"("unknown":"\u00e9")", R"("unknown":false)", R"("unknown":+1)"}));
  if (r.below(5) == 0) m.push_back(R"("zon\u0065":"outside")");       // an escaped key: `zone`
  if (r.below(6) == 0) m.push_back(R"("cutoff":"2020-01-01")");        // a context value
  if (r.below(8) == 0) m.push_back(R"("months":3)");                   // maybe given twice
  if (r.below(8) == 0) m.push_back(R"("verified":["c2"])");            // lists given twice are merged
  if (r.below(10) == 0) m.push_back(R"("键":"值")");                    // a non-ASCII unknown key
  if (r.below(12) == 0) m.push_back(R"("a\"b":1)");                    // a key that is not its JSON form
  return m;
}

std::string whitespace(Random& r) {
  static const char* kSpaces[] = {" ", "\t", "\r\n", "  ", "\n"};
  return kSpaces[r.below(5)];
}

// Joins members into an object; `order` decides the key order (mostly the same one), then
// sometimes adds whitespace, truncates or appends something.
std::string record(Random& r, Random& order, std::vector<std::string> m) {
  Random& shuffle = r.below(4) == 0 ? r : order;
  for (std::size_t i = m.size(); i > 1; --i)
    std::swap(m[i - 1], m[static_cast<std::size_t>(shuffle.below(static_cast<int>(i)))]);
  const bool spaced = r.below(10) == 0;
  std::string s = spaced ? whitespace(r) + "{" : "{";
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (i) s += spaced ? whitespace(r) + "," + whitespace(r) : ",";
    std::string member = m[i];
    if (spaced) {
      // Around the first colon outside the key.
      const std::size_t colon = member.find("\":");
      if (colon != std::string::npos) member = member.substr(0, colon + 1) + whitespace(r) + ":" + whitespace(r) + member.substr(colon + 2);
    }
    s += member;
  }
  s += spaced ? whitespace(r) + "}" + whitespace(r) : "}";
  switch (r.below(40)) {
    case 0: s.resize(static_cast<std::size_t>(r.below(static_cast<int>(s.size())))); break;  // truncated
    case 1: s += "x"; break;
    case 2: s += "{}"; break;
    case 3: s.insert(s.size() - 1, ","); break;  // trailing comma
    case 4: s = "\xEF\xBB\xBF" + s; break;        // a byte order mark
    case 5: s = "[" + s + "]"; break;
    case 6: {
      const std::size_t colon = s.find("\":");
      if (colon != std::string::npos) s.erase(colon + 1, 1);  // a missing colon
      break;
    }
    case 7: {
      const std::size_t comma = s.find(",\"");
      if (comma != std::string::npos) s.erase(comma, 1);  // a missing comma
      break;
    }
    case 8: s = "{}"; break;
    case 9: s = " { } "; break;
    case 10: s = ""; break;
    default: break;
  }
  return s;
}

}  // namespace

TEST_CASE("fast binding: random records bind exactly as through the general reader", "[binding][fast]") {
  const int certificates = GENERATE(18, 3);
  const admit::Policy& p = policy(certificates);
  admit::Applicant fast(p), general(p), fast_strict(p), general_strict(p);
  general.storage().json_fast_path = false;
  general_strict.storage().json_fast_path = false;
  REQUIRE(fast.storage().json_fast_path);
  Random r(2026), order(5);
  int bound = 0, errors = 0;
  for (int k = 0; k < 20000; ++k) {
    const std::string json = record(r, order, members(r, certificates));
    INFO("record " << k << ": " << json);
    const std::string expected = snapshot(general, json, false);
    REQUIRE(snapshot(fast, json, false) == expected);
    REQUIRE(snapshot(fast_strict, json, true) == snapshot(general_strict, json, true));
    if (k % 16 == 0) {  // a fresh applicant has no key order to predict
      admit::Applicant fresh(p);
      REQUIRE(snapshot(fresh, json, false) == expected);
    }
    (expected.starts_with("error") ? errors : bound)++;
  }
  CHECK(bound > 2000);
  CHECK(errors > 3000);
  CHECK(fast.storage().json_fast_records > 1000);  // not everything went to the general reader
}

TEST_CASE("fast binding: hand-picked records", "[binding][fast]") {
  const admit::Policy& p = policy(GENERATE(18, 3));
  admit::Applicant fast(p), general(p);
  general.storage().json_fast_path = false;
  const std::string base = R"("birth_date":"2020-01-01","zone":"city","many":"v1")";
  const std::vector<std::string> cases = {
      "{" + base + "}",
      "{" + base + R"(,"months":5,"rate":2.5,"flag":true,"school":"x","verified":["c0","c2"],"submitted":["c1"]})",
      "{" + base + R"(,"months":5,"rate":2.5,"flag":true,"school":"x","verified":["c0","c2"],"submitted":["c1"]})",
      "{" + base + R"(,"rate":2.5,"months":5})",                 // swapped keys
      "{" + base + R"(,"rate":2.5,"months":5,"months":6})",      // a duplicate
      "{" + base + R"(,"rate":2.5,"mont\u0068s":5})",            // an escaped key where a plain one was predicted
      "{" + base + R"(,"rate":2.5,"months":5} )",
      "{" + base + R"(,"rate":2.5,"months":5}})",
      "{" + base + R"(,"rate":2.5,"months":5)",
      "{" + base + R"(,"rate":2.5,"months")",
      "{" + base + R"(,"rate":2.5,"months":)",
      "{" + base + R"(,"rate":2.5,"months)",
      "{" + base + R"(,"rate":2.5,")",
      "{" + base + R"(,"rate":2.5,)",
      "{" + base + R"(,"rate":-)",
      "{" + base + R"(,"rate":1.)",
      "{" + base + R"(,"flag":t)",
      "{" + base + R"(,"verified":["c1")",
      "{" + base + R"(,"verified":[)",
      "{" + base + R"(,"verified":["c1",)",
      "{" + base + R"(,"verified":["c1)",
      "{" + base + R"(,"school":"unterminated)",
      "{" + base + R"(,"properties":[{"owner":"father","share":1}]})",
      "{" + base + R"(,"hukou":{"moved_in":"2001-01-01"}})",
      "{" + base + R"(,"cutoff":"2001-01-01"})",
      "{" + base + R"(,"id":"370702202001010011","id":"110101202003010011"})",
      "{" + base + R"(,"id":"370702202001010011","id":5})",
      "{" + base + std::string(1, '\0') + "}",
      // A predicted key whose text is not its JSON form must not match those bytes raw.
      R"({"a\"b":1,)" + base + "}",
      R"({"a"b":1,)" + base + "}",
      R"({"t\tb":1,)" + base + "}",
      "{\"t\tb\":1," + base + "}",
      R"({"\u00e9":1,)" + base + "}",
      "{\"\xc3\xa9\":1," + base + "}",
      "{" + base + ",\"school\":\"" + std::string((1 << 20) + 1, 'y') + "\"}",  // longer than the reader allows
      "{" + base + ",\"school\":\"" + std::string(70000, 'y') + "\"}",
      "{" + base + ",\"" + std::string(300, 'k') + "\":1}",
  };
  for (int round = 0; round < 2; ++round)
    for (const std::string& json : cases) {
      INFO(json);
      CHECK(snapshot(fast, json, false) == snapshot(general, json, false));
      CHECK(snapshot(fast, json, true) == snapshot(general, json, true));
    }
}
