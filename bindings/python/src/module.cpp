// admit._core: the private native half of the Python package `admit`.
//
// The pure-Python layer (admit/__init__.py) does the pandas work; this module compiles policies and
// evaluates column batches. A batch arrives as columns (one per fact), each either
//   - a raw numpy buffer (bool, int64, float64, or int64 days for dates) read directly in the loop,
//   - codes + uniques (pandas.factorize): every distinct value is converted once, rows are codes, or
//   - a sequence of Python objects converted one by one (single records, list facts).
// Conversion of Python objects happens with the GIL held; the evaluation loop then runs on all cores
// with the GIL released, one admit::Applicant and admit::Decision per thread, through the typed
// builder (FactHandles resolved once per batch). Results come back as numpy arrays.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/context.hpp"
#include "admit/date.hpp"
#include "admit/decimal.hpp"
#include "admit/decision.hpp"
#include "admit/diagnostic.hpp"
#include "admit/policy.hpp"
#include "admit/testing.hpp"
#include "admit/resident_id.hpp"

namespace py = pybind11;

namespace {

using admit::Applicant;
using admit::Date;
using admit::Decimal;
using admit::Decision;
using admit::FactHandle;
using admit::FactInfo;
using admit::FactType;
using admit::Policy;

// ---- privacy --------------------------------------------------------------------------------------

// Messages are shown to analysts and end up in notebooks: they never carry a full ID number.
std::string mask_ids_in_text(std::string_view text) { return admit::mask_resident_ids_in_text(text); }
std::string printable(std::string_view value) { return admit::printable_value(value); }

// The CLI's rendering of a binding error.
std::string format_bind_error(const admit::BindError& error) { return admit::describe(error); }

// ---- Python types used in conversions (looked up once, deliberately never released) --------------

struct PyTypes {
  py::object decimal;        // decimal.Decimal
  py::object date;           // datetime.date
  py::object datetime;       // datetime.datetime
  py::object np_bool;        // numpy.bool_
  py::object np_integer;     // numpy.integer
  py::object np_floating;    // numpy.floating
  py::object np_datetime64;  // numpy.datetime64
  py::object np_ndarray;     // numpy.ndarray
};

PyTypes& types() {
  static PyTypes* t = [] {
    auto* p = new PyTypes;
    py::module_ decimal = py::module_::import("decimal");
    py::module_ datetime = py::module_::import("datetime");
    py::module_ numpy = py::module_::import("numpy");
    p->decimal = decimal.attr("Decimal");
    p->date = datetime.attr("date");
    p->datetime = datetime.attr("datetime");
    p->np_bool = numpy.attr("bool_");
    p->np_integer = numpy.attr("integer");
    p->np_floating = numpy.attr("floating");
    p->np_datetime64 = numpy.attr("datetime64");
    p->np_ndarray = numpy.attr("ndarray");
    return p;
  }();
  return *t;
}

bool isinstance(py::handle obj, const py::object& type) {
  const int r = PyObject_IsInstance(obj.ptr(), type.ptr());
  if (r < 0) throw py::error_already_set();
  return r == 1;
}

std::string type_name(py::handle obj) { return Py_TYPE(obj.ptr())->tp_name; }

// None, NaN (float or Decimal), pandas.NA, pandas.NaT, numpy.datetime64('NaT').
bool is_missing(py::handle obj) {
  if (obj.is_none()) return true;
  if (PyFloat_Check(obj.ptr())) return std::isnan(PyFloat_AS_DOUBLE(obj.ptr()));
  const char* name = Py_TYPE(obj.ptr())->tp_name;
  if (std::strcmp(name, "NAType") == 0 || std::strcmp(name, "NaTType") == 0) return true;
  if (isinstance(obj, types().decimal)) return obj.attr("is_nan")().cast<bool>();
  if (isinstance(obj, types().np_floating)) return std::isnan(obj.cast<double>());
  if (isinstance(obj, types().np_datetime64)) return py::module_::import("numpy").attr("isnat")(obj).cast<bool>();
  return false;
}

// ---- fact kinds and cells -------------------------------------------------------------------------

enum class Kind : std::uint8_t { boolean, integer, decimal, date, string, enumeration, list };

Kind kind_of(FactType t) {
  switch (t) {
    case FactType::boolean: return Kind::boolean;
    case FactType::integer: return Kind::integer;
    case FactType::decimal: return Kind::decimal;
    case FactType::date: return Kind::date;
    case FactType::string:
    case FactType::resident_id: return Kind::string;
    case FactType::enumeration: return Kind::enumeration;
    case FactType::list: return Kind::list;
  }
  return Kind::string;
}

// The message for a value of the wrong Python type (wording follows the JSON binder's).
std::string type_message(Kind kind, const std::string& path) {
  switch (kind) {
    case Kind::boolean: return "`" + path + "` must be true or false";
    case Kind::integer: return "`" + path + "` must be a whole number";
    case Kind::decimal: return "`" + path + "` must be a number";
    case Kind::date: return "`" + path + "` must be a date (\"YYYY-MM-DD\", datetime.date or pandas.Timestamp)";
    case Kind::string: return "`" + path + "` must be a string";
    case Kind::enumeration: return "`" + path + "` must be a string naming a value";
    case Kind::list: return "`" + path + "` must be a list of records (dicts)";
  }
  return "`" + path + "` has an unsupported value";
}

enum : std::uint8_t { kOk = 0, kMissing = 1, kError = 2 };

/// One converted value: the slot value (bool 0/1, int, decimal units, days), or an index into the
/// column's strings (string and enum facts), or into its messages (errors).
struct Cell {
  std::uint8_t status = kMissing;
  std::int64_t value = 0;
};

/// A fact's metadata as the converters need it.
struct FactSpec {
  std::string path;
  Kind kind = Kind::string;
  const FactInfo* info = nullptr;
};

/// Tables behind cells: string values and error messages.
struct Tables {
  std::vector<std::string> strings;
  std::vector<std::string> messages;
  Cell error(std::string message) {
    messages.push_back(mask_ids_in_text(message));
    return Cell{kError, static_cast<std::int64_t>(messages.size() - 1)};
  }
  Cell string(std::string_view s) {
    strings.emplace_back(s);
    return Cell{kOk, static_cast<std::int64_t>(strings.size() - 1)};
  }
};

// Shortest round-trip decimal text of a double in fixed notation (0.1 -> "0.1", 1e-7 -> "0.0000001"):
// the digits a person typed, never the binary expansion.
std::optional<std::string> shortest_fixed(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (ec != std::errc()) return std::nullopt;
  return std::string(buf, end);
}

Cell decimal_from_text(const FactSpec& f, std::string_view text, Tables& t) {
  if (auto d = Decimal::parse(text)) return Cell{kOk, d->units()};
  return t.error("`" + f.path + "` must be a number with at most 6 decimals and no exponent, found " + printable(text));
}

Cell integer_from_double(const FactSpec& f, double v, Tables& t) {
  if (!std::isfinite(v) || v != std::floor(v)) {
    auto text = shortest_fixed(v);
    return t.error("`" + f.path + "` must be a whole number, found " + printable(text ? *text : std::to_string(v)));
  }
  if (v < -9.2e18 || v > 9.2e18) return t.error("`" + f.path + "` is too large");
  return Cell{kOk, static_cast<std::int64_t>(v)};
}

Cell decimal_from_double(const FactSpec& f, double v, Tables& t) {
  auto text = shortest_fixed(v);
  if (!text) return t.error("`" + f.path + "` must be a finite number");
  return decimal_from_text(f, *text, t);
}

Cell date_from_ymd(const FactSpec& f, int y, int m, int d, Tables& t) {
  if (auto date = Date::from_ymd(y, m, d)) return Cell{kOk, date->days()};
  return t.error("`" + f.path + "` is not a supported date");
}

Cell date_from_days(const FactSpec& f, std::int64_t days, Tables& t) {
  if (days < Date::kMinDays || days > Date::kMaxDays) return t.error("`" + f.path + "` is outside years 1..9999");
  return Cell{kOk, days};
}

std::int64_t datetime64_days(py::handle obj) {
  return obj.attr("astype")("datetime64[D]").attr("astype")("int64").cast<std::int64_t>();
}

/// Converts one Python value for fact `f` (GIL held).
Cell convert_object(const FactSpec& f, py::handle obj, Tables& t) {
  if (is_missing(obj)) return Cell{kMissing, 0};
  const PyTypes& ty = types();
  const bool is_bool = PyBool_Check(obj.ptr()) || isinstance(obj, ty.np_bool);
  switch (f.kind) {
    case Kind::boolean:
      if (is_bool) return Cell{kOk, PyObject_IsTrue(obj.ptr()) == 1};
      return t.error(type_message(f.kind, f.path));
    case Kind::integer: {
      if (is_bool) break;
      if (PyLong_Check(obj.ptr()) || isinstance(obj, ty.np_integer)) {
        int overflow = 0;
        py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
        if (!index) throw py::error_already_set();
        const long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
        if (overflow != 0) return t.error("`" + f.path + "` is too large");
        return Cell{kOk, v};
      }
      if (PyFloat_Check(obj.ptr()) || isinstance(obj, ty.np_floating))
        return integer_from_double(f, obj.cast<double>(), t);
      if (isinstance(obj, ty.decimal)) {
        const std::string text = obj.attr("__format__")("f").cast<std::string>();
        if (!obj.attr("is_finite")().cast<bool>() || !obj.attr("__eq__")(obj.attr("to_integral_value")()).cast<bool>())
          return t.error("`" + f.path + "` must be a whole number, found " + printable(text));
        int overflow = 0;
        py::object as_int = py::reinterpret_steal<py::object>(PyNumber_Long(obj.ptr()));
        if (!as_int) throw py::error_already_set();
        const long long v = PyLong_AsLongLongAndOverflow(as_int.ptr(), &overflow);
        if (overflow != 0) return t.error("`" + f.path + "` is too large");
        return Cell{kOk, v};
      }
      break;
    }
    case Kind::decimal: {
      if (is_bool) break;
      if (PyLong_Check(obj.ptr()) || isinstance(obj, ty.np_integer))
        return decimal_from_text(f, py::str(py::int_(py::reinterpret_borrow<py::object>(obj))).cast<std::string>(), t);
      if (PyFloat_Check(obj.ptr()) || isinstance(obj, ty.np_floating)) return decimal_from_double(f, obj.cast<double>(), t);
      if (isinstance(obj, ty.decimal)) return decimal_from_text(f, obj.attr("__format__")("f").cast<std::string>(), t);
      if (PyUnicode_Check(obj.ptr())) return decimal_from_text(f, obj.cast<std::string>(), t);
      break;
    }
    case Kind::date: {
      if (PyUnicode_Check(obj.ptr())) {
        const std::string text = obj.cast<std::string>();
        if (auto d = Date::parse(text)) return Cell{kOk, d->days()};
        return t.error("`" + f.path + "` is not a real date (YYYY-MM-DD): \"" + printable(text) + "\"");
      }
      // datetime.datetime (and pandas.Timestamp) are datetime.date too: the calendar date is used.
      if (isinstance(obj, ty.date))
        return date_from_ymd(f, obj.attr("year").cast<int>(), obj.attr("month").cast<int>(), obj.attr("day").cast<int>(), t);
      if (isinstance(obj, ty.np_datetime64)) return date_from_days(f, datetime64_days(obj), t);
      break;
    }
    case Kind::string:
      if (PyUnicode_Check(obj.ptr())) return t.string(obj.cast<std::string>());
      if (PyLong_Check(obj.ptr()) || isinstance(obj, ty.np_integer))
        return t.error(type_message(f.kind, f.path) + " (read ID and code columns as text, e.g. dtype=str)");
      break;
    case Kind::enumeration: {
      if (!PyUnicode_Check(obj.ptr())) break;
      const std::string text = obj.cast<std::string>();
      const auto& values = f.info->values;
      if (std::find(values.begin(), values.end(), text) != values.end()) return t.string(text);
      std::string expected;
      for (const auto& v : values) expected += (expected.empty() ? "" : ", ") + v;
      return t.error("`" + f.path + "` has unknown value \"" + printable(text) + "\" (expected one of: " + expected + ")");
    }
    case Kind::list: break;
  }
  return t.error(type_message(f.kind, f.path));
}

// ---- columns --------------------------------------------------------------------------------------

enum class Source : std::uint8_t { bools, ints, floats, days, cells, coded };

/// A scalar fact's column. Raw buffers (bools/ints/floats/days) are read in the evaluation loop;
/// cells are pre-converted per row (cells) or per distinct value (coded, with a code per row).
struct ScalarColumn {
  FactSpec fact;
  FactHandle handle;
  Source source = Source::cells;
  py::object keep_alive;  // the numpy arrays the raw pointers point into
  const std::uint8_t* bools = nullptr;
  const std::int64_t* ints = nullptr;
  const double* floats = nullptr;
  const std::int64_t* codes = nullptr;
  std::vector<Cell> cells;
  Tables tables;
};

/// A list fact: its records, flattened (row r has records offsets[r] .. offsets[r+1]).
struct ListField {
  FactSpec fact;
  std::string name;
  FactHandle handle;
};
struct ListColumn {
  std::string path;
  FactHandle handle;
  std::uint32_t max_items = 0;
  std::vector<ListField> fields;
  std::vector<std::uint32_t> offsets;   // n + 1
  std::vector<Cell> cells;              // records x fields
  std::vector<std::int32_t> row_error;  // message index per row, -1 when fine
  Tables tables;
};

/// `verified` / `submitted`: certificate indices per row.
struct CertificateColumn {
  bool verified = true;
  std::vector<std::uint32_t> offsets;  // n + 1
  std::vector<std::uint32_t> certificates;
  std::vector<std::int32_t> row_error;
  std::vector<std::string> messages;
};

/// The applicant's own key (`id`), as views into the Python str objects (kept alive by `keep_alive`).
struct IdColumn {
  py::object keep_alive;
  std::vector<std::string_view> ids;
  std::vector<std::uint8_t> present;
  std::vector<std::int32_t> row_error;
  std::vector<std::string> messages;
};

std::string fact_path_of_field(const std::string& list, const std::string& field) { return list + "[]." + field; }

class CorePolicy;

/// Everything one evaluate call needs, prepared with the GIL held.
struct Batch {
  std::size_t rows = 0;
  std::vector<ScalarColumn> scalars;
  std::vector<ListColumn> lists;
  std::vector<CertificateColumn> certificates;
  std::optional<IdColumn> ids;
};

// ---- the policy wrapper ---------------------------------------------------------------------------

py::dict diagnostic_dict(const admit::Diagnostic& d) {
  py::dict out;
  out["severity"] = std::string(admit::to_string(d.severity));
  out["code"] = d.code;
  out["message"] = d.message;
  out["file"] = d.file;
  out["line"] = d.line;
  out["column"] = d.column;
  out["end_line"] = d.end_line == 0 ? d.line : d.end_line;
  out["end_column"] = d.end_column == 0 ? (d.column == 0 ? 0u : d.column + 1) : d.end_column;
  out["help"] = d.help;
  out["notes"] = d.notes;
  out["source_line"] = d.source_line;
  out["text"] = admit::render_text(d);
  return out;
}

/// An evaluation context (admit::Context) bound once from Python and shared read-only by every
/// thread of an evaluation. Keeps its policy alive.
class CoreContext {
 public:
  CoreContext(std::shared_ptr<const Policy> policy) : policy_(std::move(policy)), context_(*policy_) {}
  admit::Context& context() { return context_; }
  const admit::Context& context() const { return context_; }
  const Policy& policy() const { return *policy_; }
  /// The values that were set, as (path, canonical text): for repr and tests.
  std::vector<std::pair<std::string, std::string>> values;

 private:
  std::shared_ptr<const Policy> policy_;
  admit::Context context_;
};

class CorePolicy {
 public:
  explicit CorePolicy(std::shared_ptr<const Policy> p) : policy_(std::move(p)) {
    for (const FactInfo& f : policy_->facts()) fact_index_.emplace(f.path, &f);
    const auto& certs = policy_->certificates();
    for (std::uint32_t i = 0; i < certs.size(); ++i) certificate_index_.emplace(std::string_view(certs[i].id), i);
  }

  const Policy& policy() const { return *policy_; }

  /// The fact named `path` (scalar or list), or nullptr.
  const FactInfo* fact(const std::string& path) const {
    auto it = fact_index_.find(path);
    return it == fact_index_.end() ? nullptr : it->second;
  }

  std::optional<std::uint32_t> certificate(std::string_view id) const {
    auto it = certificate_index_.find(id);
    if (it == certificate_index_.end()) return std::nullopt;
    return it->second;
  }

  py::dict info() const;
  py::dict evaluate(std::size_t rows, const py::list& columns, int threads, bool full, const CoreContext* context) const;
  py::tuple bind_context(const py::list& values, const std::vector<std::string>& per_row) const;
  py::list run_tests() const;

 private:
  void add_scalar(Batch& b, const Applicant& probe, const FactInfo& fact, const std::string& source, py::handle data,
                  py::handle uniques) const;
  void add_list(Batch& b, const Applicant& probe, const FactInfo& fact, py::handle data) const;
  void add_certificates(Batch& b, bool verified, py::handle data) const;
  void add_ids(Batch& b, py::handle data) const;

  std::shared_ptr<const Policy> policy_;
  std::unordered_map<std::string, const FactInfo*> fact_index_;
  std::unordered_map<std::string_view, std::uint32_t> certificate_index_;  // views into the policy's ids
};

std::string_view trace_kind_name(admit::TraceKind k) {
  switch (k) {
    case admit::TraceKind::eligibility: return "eligibility";
    case admit::TraceKind::group: return "group";
    case admit::TraceKind::points: return "points";
    case admit::TraceKind::requirement: return "requirement";
    case admit::TraceKind::substitute: return "substitute";
  }
  return "?";
}

py::dict CorePolicy::info() const {
  const Policy& p = *policy_;
  py::dict out;
  const auto& m = p.metadata();
  py::dict meta;
  meta["id"] = m.id;
  meta["title"] = m.title;
  meta["jurisdiction"] = m.jurisdiction;
  meta["year"] = m.year;
  meta["grade"] = m.grade;
  meta["age_cutoff"] = m.age_cutoff ? py::object(py::str(m.age_cutoff->to_string())) : py::object(py::none());
  out["metadata"] = meta;
  py::list facts;
  for (const FactInfo& f : p.facts()) {
    py::dict d;
    d["path"] = f.path;
    d["type"] = std::string(admit::to_string(f.type));
    d["label"] = f.label;
    d["source"] = f.source;
    d["values"] = f.values;
    d["value_labels"] = f.value_labels;
    d["has_default"] = f.has_default;
    d["max_items"] = f.max_items;
    d["context"] = f.context;
    facts.append(d);
  }
  out["facts"] = facts;
  py::list params;
  for (const auto& prm : p.params())
    params.append(py::make_tuple(prm.name, std::string(admit::to_string(prm.type)), prm.value, prm.label));
  out["params"] = params;
  py::list checks;
  for (const auto& c : p.eligibility_checks()) checks.append(py::make_tuple(c.id, c.label, c.reason));
  out["checks"] = checks;
  py::list groups;
  for (const auto& g : p.groups()) groups.append(py::make_tuple(g.id, g.label, g.rank));
  out["groups"] = groups;
  py::list items;
  for (const auto& it : p.points_items())
    items.append(py::make_tuple(it.id, it.label, it.cap ? py::object(py::str(it.cap->to_string())) : py::object(py::none()),
                                it.kind));
  out["points_items"] = items;
  out["points_cap"] = p.points_cap() ? py::object(py::str(p.points_cap()->to_string())) : py::object(py::none());
  py::list certs;
  for (const auto& c : p.certificates())
    certs.append(py::make_tuple(c.id, c.label, c.verified_by, c.category, c.label_en));
  out["certificates"] = certs;
  py::list tests;
  for (const auto& t : p.tests()) {
    py::dict d;
    d["name"] = t.name;
    d["file"] = t.file;
    d["line"] = t.line;
    d["applicant_json"] = t.applicant_json;
    d["eligible"] = t.eligible ? py::object(py::bool_(*t.eligible)) : py::object(py::none());
    d["group"] = t.group ? py::object(py::str(*t.group)) : py::object(py::none());
    d["points"] = t.points ? py::object(py::str(t.points->to_string())) : py::object(py::none());
    py::list breakdown;
    for (const auto& [item, value] : t.breakdown) breakdown.append(py::make_tuple(item, value.to_string()));
    d["breakdown"] = breakdown;
    d["missing"] = t.missing ? py::object(py::cast(*t.missing)) : py::object(py::none());
    d["error_contains"] = t.error_contains ? py::object(py::str(*t.error_contains)) : py::object(py::none());
    d["context_json"] = t.context_json;
    d["sort_key"] = t.sort_key ? py::object(py::cast(*t.sort_key)) : py::object(py::none());
    tests.append(d);
  }
  out["tests"] = tests;
  out["lints"] = p.lints();
  // Tie-break keys: of each group (by index), then of applicants with no group.
  auto tie_break_list = [](const std::vector<admit::TieBreakInfo>& keys) {
    py::list l;
    for (const auto& k : keys)
      l.append(py::make_tuple(k.id, k.label, k.descending ? "descending" : "ascending", k.points,
                              std::string(admit::to_string(k.type)), k.values));
    return l;
  };
  py::list group_tie_breaks;
  for (std::uint32_t g = 0; g < p.groups().size(); ++g) group_tie_breaks.append(tie_break_list(p.tie_break(g)));
  out["group_tie_breaks"] = group_tie_breaks;
  out["default_tie_break"] = tie_break_list(p.tie_break(UINT32_MAX));
  out["overrides"] = p.overrides();
  out["file"] = p.file();
  out["source_text"] = py::bytes(p.source_text());
  py::list sources;
  for (const auto& [name, text] : p.sources()) sources.append(py::make_tuple(name, py::bytes(text)));
  out["sources"] = sources;
  return out;
}

// ---- building a batch (GIL held) ------------------------------------------------------------------

template <typename T>
py::array_t<T, py::array::c_style | py::array::forcecast> as_array(py::handle data, std::size_t rows, const char* what) {
  auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(data);
  if (!a) throw py::type_error(std::string("admit: expected a numpy array for ") + what);
  if (a.ndim() != 1 || static_cast<std::size_t>(a.shape(0)) != rows)
    throw py::value_error(std::string("admit: column ") + what + " has the wrong length");
  return a;
}

void CorePolicy::add_scalar(Batch& b, const Applicant& probe, const FactInfo& fact, const std::string& source,
                            py::handle data, py::handle uniques) const {
  ScalarColumn c;
  c.fact = FactSpec{fact.path, kind_of(fact.type), &fact};
  c.handle = probe.find_fact(fact.path);
  if (!c.handle) throw py::value_error("admit: the policy cannot bind fact " + fact.path);
  const std::size_t n = b.rows;
  if (source == "bool") {
    auto a = as_array<std::uint8_t>(data, n, fact.path.c_str());
    c.bools = a.data();
    c.keep_alive = a;
    c.source = Source::bools;
  } else if (source == "int") {
    auto a = as_array<std::int64_t>(data, n, fact.path.c_str());
    c.ints = a.data();
    c.keep_alive = a;
    c.source = Source::ints;
  } else if (source == "float") {
    auto a = as_array<double>(data, n, fact.path.c_str());
    c.floats = a.data();
    c.keep_alive = a;
    c.source = Source::floats;
  } else if (source == "days") {
    auto a = as_array<std::int64_t>(data, n, fact.path.c_str());
    c.ints = a.data();
    c.keep_alive = a;
    c.source = Source::days;
  } else if (source == "coded") {
    auto a = as_array<std::int64_t>(data, n, fact.path.c_str());
    c.codes = a.data();
    c.keep_alive = a;
    c.source = Source::coded;
    py::sequence u = py::reinterpret_borrow<py::sequence>(uniques);
    const std::size_t m = u.size();
    c.cells.reserve(m);
    for (std::size_t i = 0; i < m; ++i) c.cells.push_back(convert_object(c.fact, u[i], c.tables));
    for (std::size_t r = 0; r < n; ++r)
      if (c.codes[r] >= static_cast<std::int64_t>(m) || c.codes[r] < -1)
        throw py::value_error("admit: bad code in column " + fact.path);
  } else if (source == "objects") {
    py::sequence s = py::reinterpret_borrow<py::sequence>(data);
    if (s.size() != n) throw py::value_error("admit: column " + fact.path + " has the wrong length");
    c.source = Source::cells;
    c.cells.reserve(n);
    for (std::size_t i = 0; i < n; ++i) c.cells.push_back(convert_object(c.fact, s[i], c.tables));
  } else {
    throw py::value_error("admit: unknown column source " + source);
  }
  b.scalars.push_back(std::move(c));
}

bool is_sequence_value(py::handle obj) {
  return PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr()) || isinstance(obj, types().np_ndarray);
}

void CorePolicy::add_list(Batch& b, const Applicant& probe, const FactInfo& fact, py::handle data) const {
  ListColumn c;
  c.path = fact.path;
  c.handle = probe.find_fact(fact.path);
  c.max_items = fact.max_items;
  const std::string prefix = fact.path + "[].";
  for (const FactInfo& f : policy_->facts()) {
    if (f.path.compare(0, prefix.size(), prefix) != 0) continue;
    ListField field;
    field.name = f.path.substr(prefix.size());
    field.fact = FactSpec{f.path, kind_of(f.type), &f};
    field.handle = probe.find_field(c.handle, field.name);
    if (!field.handle) continue;
    c.fields.push_back(std::move(field));
  }
  py::sequence s = py::reinterpret_borrow<py::sequence>(data);
  const std::size_t n = b.rows;
  if (s.size() != n) throw py::value_error("admit: column " + fact.path + " has the wrong length");
  c.offsets.assign(n + 1, 0);
  c.row_error.assign(n, -1);
  auto row_fail = [&](std::size_t r, std::string message) {
    c.tables.messages.push_back(mask_ids_in_text(message));
    c.row_error[r] = static_cast<std::int32_t>(c.tables.messages.size() - 1);
  };
  for (std::size_t r = 0; r < n; ++r) {
    c.offsets[r] = static_cast<std::uint32_t>(c.cells.size() / std::max<std::size_t>(c.fields.size(), 1));
    py::object cell = s[r];
    if (is_missing(cell)) continue;
    if (!is_sequence_value(cell)) {
      row_fail(r, type_message(Kind::list, fact.path));
      continue;
    }
    std::size_t index = 0;
    std::vector<Cell> record(c.fields.size());
    std::size_t added = 0;
    for (py::handle item : py::reinterpret_borrow<py::iterable>(cell)) {
      const std::string record_path = fact.path + "[" + std::to_string(index) + "]";
      if (index >= c.max_items) {
        row_fail(r, "`" + fact.path + "` has more than " + std::to_string(c.max_items) + " records (max_items)");
        break;
      }
      if (!PyDict_Check(item.ptr())) {
        row_fail(r, "`" + record_path + "` must be an object (a dict)");
        break;
      }
      py::dict d = py::reinterpret_borrow<py::dict>(item);
      for (std::size_t k = 0; k < c.fields.size(); ++k) {
        py::handle v = PyDict_GetItemString(d.ptr(), c.fields[k].name.c_str());
        if (!v) {
          record[k] = Cell{kMissing, 0};
          continue;
        }
        FactSpec spec = c.fields[k].fact;
        spec.path = record_path + "." + c.fields[k].name;
        record[k] = convert_object(spec, v, c.tables);
      }
      c.cells.insert(c.cells.end(), record.begin(), record.end());
      ++added;
      ++index;
    }
    if (c.fields.empty()) c.cells.resize(c.cells.size() + added);  // keep the record count when no field is declared
  }
  c.offsets[n] = static_cast<std::uint32_t>(c.cells.size() / std::max<std::size_t>(c.fields.size(), 1));
  b.lists.push_back(std::move(c));
}

void CorePolicy::add_certificates(Batch& b, bool verified, py::handle data) const {
  CertificateColumn c;
  c.verified = verified;
  const char* what = verified ? "verified" : "submitted";
  py::sequence s = py::reinterpret_borrow<py::sequence>(data);
  const std::size_t n = b.rows;
  if (s.size() != n) throw py::value_error(std::string("admit: column ") + what + " has the wrong length");
  c.offsets.assign(n + 1, 0);
  c.row_error.assign(n, -1);
  auto row_fail = [&](std::size_t r, std::string message) {
    c.messages.push_back(mask_ids_in_text(message));
    c.row_error[r] = static_cast<std::int32_t>(c.messages.size() - 1);
  };
  auto add_id = [&](std::size_t r, std::string_view id) {
    if (auto index = certificate(id)) c.certificates.push_back(*index);
    else if (c.row_error[r] < 0) row_fail(r, std::string("unknown certificate `") + printable(id) + "` in `" + what + "`");
  };
  for (std::size_t r = 0; r < n; ++r) {
    c.offsets[r] = static_cast<std::uint32_t>(c.certificates.size());
    py::object cell = s[r];
    if (is_sequence_value(cell) || PySet_Check(cell.ptr()) || PyFrozenSet_Check(cell.ptr())) {
      for (py::handle item : py::reinterpret_borrow<py::iterable>(cell)) {
        if (!PyUnicode_Check(item.ptr())) {
          row_fail(r, std::string("`") + what + "` must contain certificate ids (strings)");
          break;
        }
        Py_ssize_t size = 0;
        const char* utf8 = PyUnicode_AsUTF8AndSize(item.ptr(), &size);
        if (!utf8) throw py::error_already_set();
        add_id(r, std::string_view(utf8, static_cast<std::size_t>(size)));
      }
    } else if (PyUnicode_Check(cell.ptr())) {
      // "a,b" or "a b" or "a;b": convenient for CSV files.
      const std::string text = cell.cast<std::string>();
      std::size_t i = 0;
      while (i < text.size()) {
        while (i < text.size() && (text[i] == ',' || text[i] == ';' || text[i] == ' ' || text[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < text.size() && !(text[j] == ',' || text[j] == ';' || text[j] == ' ' || text[j] == '\t')) ++j;
        if (j > i) add_id(r, std::string_view(text).substr(i, j - i));
        i = j;
      }
    } else if (!is_missing(cell)) {
      row_fail(r, std::string("`") + what + "` must be a list of certificate ids");
    }
  }
  c.offsets[n] = static_cast<std::uint32_t>(c.certificates.size());
  b.certificates.push_back(std::move(c));
}

void CorePolicy::add_ids(Batch& b, py::handle data) const {
  IdColumn c;
  py::sequence s = py::reinterpret_borrow<py::sequence>(data);
  const std::size_t n = b.rows;
  if (s.size() != n) throw py::value_error("admit: column id has the wrong length");
  py::list keep(n);
  c.ids.assign(n, std::string_view());
  c.present.assign(n, 0);
  c.row_error.assign(n, -1);
  for (std::size_t r = 0; r < n; ++r) {
    py::object cell = s[r];
    keep[r] = cell;
    if (is_missing(cell)) continue;
    if (!PyUnicode_Check(cell.ptr())) {
      c.messages.push_back("`id` must be a string (read ID columns as text, e.g. dtype=str)");
      c.row_error[r] = static_cast<std::int32_t>(c.messages.size() - 1);
      continue;
    }
    Py_ssize_t size = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(cell.ptr(), &size);  // cached in the str object
    if (!utf8) throw py::error_already_set();
    c.ids[r] = std::string_view(utf8, static_cast<std::size_t>(size));
    c.present[r] = 1;
  }
  c.keep_alive = keep;
  b.ids = std::move(c);
}

// ---- the evaluation loop (GIL released) -----------------------------------------------------------

struct RowError {
  std::size_t row;
  std::string message;
};

/// Sets one scalar fact of row `r`; false with `error` filled when the value is invalid.
bool apply_scalar(Applicant& a, const ScalarColumn& c, std::size_t r, std::string& error, Tables& scratch) {
  const FactSpec& f = c.fact;
  Cell cell;
  const Tables* tables = &c.tables;
  switch (c.source) {
    case Source::bools:
      if (f.kind != Kind::boolean) {
        error = type_message(f.kind, f.path);
        return false;
      }
      cell = Cell{kOk, c.bools[r] != 0};
      break;
    case Source::ints: {
      const std::int64_t v = c.ints[r];
      if (f.kind == Kind::integer) {
        cell = Cell{kOk, v};
      } else if (f.kind == Kind::decimal) {
        std::int64_t units = 0;
        if (__builtin_mul_overflow(v, Decimal::kOne, &units)) {
          error = "`" + f.path + "` is too large";
          return false;
        }
        cell = Cell{kOk, units};
      } else {
        error = type_message(f.kind, f.path);
        return false;
      }
      break;
    }
    case Source::floats: {
      const double v = c.floats[r];
      if (std::isnan(v)) return true;
      scratch.messages.clear();
      if (f.kind == Kind::integer) cell = integer_from_double(f, v, scratch);
      else if (f.kind == Kind::decimal) cell = decimal_from_double(f, v, scratch);
      else cell = scratch.error(type_message(f.kind, f.path));
      tables = &scratch;
      break;
    }
    case Source::days: {
      const std::int64_t v = c.ints[r];
      if (v == std::numeric_limits<std::int64_t>::min()) return true;  // NaT
      scratch.messages.clear();
      cell = f.kind == Kind::date ? date_from_days(f, v, scratch) : scratch.error(type_message(f.kind, f.path));
      tables = &scratch;
      break;
    }
    case Source::cells: cell = c.cells[r]; break;
    case Source::coded: {
      const std::int64_t code = c.codes[r];
      if (code < 0) return true;
      cell = c.cells[static_cast<std::size_t>(code)];
      break;
    }
  }
  if (cell.status == kMissing) return true;
  if (cell.status == kError) {
    error = tables->messages[static_cast<std::size_t>(cell.value)];
    return false;
  }
  bool ok = false;
  switch (f.kind) {
    case Kind::boolean: ok = a.set_bool(c.handle, cell.value != 0); break;
    case Kind::integer: ok = a.set_int(c.handle, cell.value); break;
    case Kind::decimal: ok = a.set_decimal(c.handle, Decimal::from_units(cell.value)); break;
    case Kind::date: ok = a.set_date(c.handle, Date::from_days(static_cast<std::int32_t>(cell.value))); break;
    case Kind::string:
    case Kind::enumeration: ok = a.set_string(c.handle, c.tables.strings[static_cast<std::size_t>(cell.value)]); break;
    case Kind::list: break;
  }
  if (!ok) error = "`" + f.path + "`: the value does not fit the fact";
  return ok;
}

bool apply_list(Applicant& a, const ListColumn& c, std::size_t r, std::string& error) {
  if (c.row_error[r] >= 0) {
    error = c.tables.messages[static_cast<std::size_t>(c.row_error[r])];
    return false;
  }
  const std::size_t width = c.fields.size();
  for (std::uint32_t rec = c.offsets[r]; rec < c.offsets[r + 1]; ++rec) {
    const int index = a.add_record(c.handle);
    if (index < 0) {
      error = "`" + c.path + "` has more than " + std::to_string(c.max_items) + " records (max_items)";
      return false;
    }
    for (std::size_t k = 0; k < width; ++k) {
      const Cell& cell = c.cells[static_cast<std::size_t>(rec) * width + k];
      if (cell.status == kMissing) continue;
      if (cell.status == kError) {
        error = c.tables.messages[static_cast<std::size_t>(cell.value)];
        return false;
      }
      const ListField& field = c.fields[k];
      bool ok = false;
      switch (field.fact.kind) {
        case Kind::boolean: ok = a.set_field_bool(c.handle, index, field.handle, cell.value != 0); break;
        case Kind::integer: ok = a.set_field_int(c.handle, index, field.handle, cell.value); break;
        case Kind::decimal: ok = a.set_field_decimal(c.handle, index, field.handle, Decimal::from_units(cell.value)); break;
        case Kind::date:
          ok = a.set_field_date(c.handle, index, field.handle, Date::from_days(static_cast<std::int32_t>(cell.value)));
          break;
        case Kind::string:
        case Kind::enumeration:
          ok = a.set_field_string(c.handle, index, field.handle, c.tables.strings[static_cast<std::size_t>(cell.value)]);
          break;
        case Kind::list: break;
      }
      if (!ok) {
        error = "`" + c.path + "[" + std::to_string(index) + "]." + field.name + "`: the value does not fit the field";
        return false;
      }
    }
  }
  return true;
}

constexpr std::size_t kChunkRows = 1024;

/// Per-chunk outputs whose size varies by row.
struct ChunkOut {
  std::vector<std::uint32_t> missing_offsets;  // rows + 1, relative to `missing`
  std::vector<std::uint32_t> missing;          // certificate indices, in requirement order
  std::vector<RowError> errors;
};

struct Outputs {
  std::vector<std::int8_t> eligible;   // -1 error
  std::vector<std::int32_t> group;     // group index, groups + check index when ineligible, -1 none, -2 error
  std::vector<std::int64_t> points;    // units
  std::vector<std::int64_t> items;     // rows x items, units
  std::vector<std::int64_t> sort_keys; // rows x sort_key_capacity
  std::size_t sort_key_capacity = 0;
  std::atomic<std::size_t> sort_key_length{0};  // the policy's (every decision's) sort key length
  std::vector<ChunkOut> chunks;
  std::vector<Decision> decisions;     // full mode only
};

py::dict CorePolicy::evaluate(std::size_t rows, const py::list& columns, int threads, bool full,
                              const CoreContext* context) const {
  const Policy& policy = *policy_;
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  if (context && &context->policy() != &policy) throw py::value_error("admit: the context was bound for another policy");
  const admit::Context* bound_context = context ? &context->context() : nullptr;
  Batch batch;
  batch.rows = rows;
  {
    Applicant probe(policy);
    for (py::handle spec_handle : columns) {
      py::tuple spec = py::reinterpret_borrow<py::tuple>(spec_handle);
      const std::string name = spec[0].cast<std::string>();
      const std::string source = spec[1].cast<std::string>();
      py::handle data = spec[2];
      py::handle uniques = spec.size() > 3 ? spec[3] : py::handle(Py_None);
      if (name == "id" && source == "objects") add_ids(batch, data);
      if (name == "verified" || name == "submitted") {
        add_certificates(batch, name == "verified", data);
        continue;
      }
      const FactInfo* fact = this->fact(name);
      if (fact == nullptr) continue;  // a column the policy does not read
      if (fact->type == FactType::list) {
        add_list(batch, probe, *fact, data);
        continue;
      }
      if (name == "id") continue;  // bound together with the applicant's key below
      add_scalar(batch, probe, *fact, source, data, uniques);
    }
  }
  const FactInfo* id_fact = fact("id");
  const std::size_t n_items = policy.points_items().size();
  const std::uint32_t n_groups = static_cast<std::uint32_t>(policy.groups().size());

  Outputs out;
  out.eligible.assign(rows, -1);
  out.group.assign(rows, -2);
  out.points.assign(rows, 0);
  out.items.assign(rows * n_items, 0);
  // The sort key is the rank and at most the longest group's tie-break keys.
  {
    std::size_t longest = policy.tie_break(UINT32_MAX).size();
    for (std::uint32_t g = 0; g < n_groups; ++g) longest = std::max(longest, policy.tie_break(g).size());
    out.sort_key_capacity = 1 + longest;
    out.sort_keys.assign(rows * out.sort_key_capacity, 0);
  }
  const std::size_t n_chunks = (rows + kChunkRows - 1) / kChunkRows;
  out.chunks.resize(n_chunks);
  if (full) out.decisions.resize(rows);

  unsigned n_threads = threads > 0 ? static_cast<unsigned>(threads) : std::max(1u, std::thread::hardware_concurrency());
  n_threads = static_cast<unsigned>(std::min<std::size_t>(n_threads, std::max<std::size_t>(n_chunks, 1)));

  std::atomic<std::size_t> next_chunk{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;

  auto worker = [&]() {
    try {
      Applicant applicant(policy);
      Decision decision;
      admit::BindError bind_error;
      std::string error;
      Tables scratch;
      FactHandle id_handle = id_fact ? applicant.find_fact("id") : FactHandle{};
      // Bound once per thread: every row's finish() copies the context values it was not given.
      applicant.use_context(bound_context);
      for (;;) {
        const std::size_t chunk = next_chunk.fetch_add(1);
        if (chunk >= n_chunks) break;
        ChunkOut& co = out.chunks[chunk];
        const std::size_t begin = chunk * kChunkRows;
        const std::size_t end = std::min(rows, begin + kChunkRows);
        co.missing_offsets.assign(end - begin + 1, 0);
        for (std::size_t r = begin; r < end; ++r) {
          co.missing_offsets[r - begin] = static_cast<std::uint32_t>(co.missing.size());
          applicant.clear();
          bool ok = true;
          error.clear();
          if (batch.ids) {
            const IdColumn& ids = *batch.ids;
            if (ids.row_error[r] >= 0) {
              error = ids.messages[static_cast<std::size_t>(ids.row_error[r])];
              ok = false;
            } else if (ids.present[r]) {
              applicant.set_id(ids.ids[r]);
              if (id_handle && !applicant.set_string(id_handle, ids.ids[r])) {
                error = "`id` does not fit the policy's `id` fact";
                ok = false;
              }
            }
          }
          for (std::size_t k = 0; ok && k < batch.scalars.size(); ++k)
            ok = apply_scalar(applicant, batch.scalars[k], r, error, scratch);
          for (std::size_t k = 0; ok && k < batch.lists.size(); ++k) ok = apply_list(applicant, batch.lists[k], r, error);
          for (std::size_t k = 0; ok && k < batch.certificates.size(); ++k) {
            const CertificateColumn& cc = batch.certificates[k];
            if (cc.row_error[r] >= 0) {
              error = cc.messages[static_cast<std::size_t>(cc.row_error[r])];
              ok = false;
              break;
            }
            const auto& certs = policy.certificates();
            for (std::uint32_t i = cc.offsets[r]; i < cc.offsets[r + 1]; ++i) {
              const std::string& id = certs[cc.certificates[i]].id;
              if (cc.verified) applicant.set_verified(id);
              else applicant.set_submitted(id);
            }
          }
          if (ok && !applicant.finish(&bind_error)) {
            error = format_bind_error(bind_error);
            ok = false;
          }
          Decision& d = full ? out.decisions[r] : decision;
          if (ok) {
            if (full) policy.evaluate_with_trace(applicant, d);
            else policy.evaluate(applicant, d);
            if (!d.ok()) {
              error = mask_ids_in_text(d.error());
              ok = false;
            }
          }
          if (!ok) {
            co.errors.push_back(RowError{r, error});
            continue;
          }
          out.eligible[r] = d.eligible() ? 1 : 0;
          if (!d.eligible() && d.failed_check() != UINT32_MAX) out.group[r] = static_cast<std::int32_t>(n_groups + d.failed_check());
          else out.group[r] = d.group() == UINT32_MAX ? -1 : static_cast<std::int32_t>(d.group());
          out.points[r] = d.points().units();
          for (const admit::PointsLine& line : d.breakdown())
            if (line.item < n_items) out.items[r * n_items + line.item] = line.value.units();
          for (const admit::RequiredCertificate& c : d.certificates())
            if (c.status == admit::CertificateStatus::missing) co.missing.push_back(c.certificate);
          const auto key = d.sort_key();
          if (!key.empty()) {
            if (key.size() > out.sort_key_capacity) throw std::runtime_error("admit: sort key longer than expected");
            out.sort_key_length.store(key.size(), std::memory_order_relaxed);
            std::copy(key.begin(), key.end(), out.sort_keys.begin() + static_cast<std::ptrdiff_t>(r * out.sort_key_capacity));
          }
        }
        co.missing_offsets[end - begin] = static_cast<std::uint32_t>(co.missing.size());
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next_chunk.store(n_chunks);
    }
  };

  const auto t1 = Clock::now();
  {
    py::gil_scoped_release release;
    if (n_threads <= 1) {
      worker();
    } else {
      std::vector<std::thread> pool;
      pool.reserve(n_threads);
      for (unsigned i = 0; i < n_threads; ++i) pool.emplace_back(worker);
      for (auto& t : pool) t.join();
    }
  }
  if (failure) std::rethrow_exception(failure);
  const auto t2 = Clock::now();

  // ---- results (GIL held) ----
  // Hundreds of thousands of new lists would trigger the cyclic GC over and over (and a full
  // collection walks every object of the session): pause it while building, as pandas' readers do.
  struct GcPause {
#if PY_VERSION_HEX >= 0x030A0000
    int was_enabled = PyGC_Disable();
    ~GcPause() {
      if (was_enabled) PyGC_Enable();
    }
#endif
  } gc_pause;
  py::dict result;
  const auto& groups = policy.groups();
  const auto& checks = policy.eligibility_checks();
  const auto& certs = policy.certificates();
  std::vector<py::object> group_ids, group_labels;
  for (const auto& g : groups) {
    group_ids.push_back(py::str(g.id));
    group_labels.push_back(py::str(g.label));
  }
  for (const auto& c : checks) {
    group_ids.push_back(py::str(c.id));
    group_labels.push_back(py::str(c.label));
  }
  std::vector<py::object> cert_ids;
  for (const auto& c : certs) cert_ids.push_back(py::str(c.id));
  py::object empty = py::str("");
  py::object decimal_type = types().decimal;
  std::unordered_map<std::int64_t, py::object> decimals;
  auto decimal_of = [&](std::int64_t units) -> py::object {
    auto it = decimals.find(units);
    if (it != decimals.end()) return it->second;
    py::object d = decimal_type(Decimal::from_units(units).to_string());
    decimals.emplace(units, d);
    return d;
  };
  // numpy.empty fills object arrays with None (a raw PyArray_NewFromDescr leaves them uninitialised).
  py::object np_empty = py::module_::import("numpy").attr("empty");
  auto object_array = [&](std::size_t n) {
    return py::reinterpret_borrow<py::array>(np_empty(static_cast<py::ssize_t>(n), py::arg("dtype") = "object"));
  };
  auto put = [](py::array& a, std::size_t i, py::object value) {
    auto** data = static_cast<PyObject**>(a.mutable_data());
    PyObject* old = data[i];
    data[i] = value.release().ptr();
    Py_XDECREF(old);
  };

  py::array_t<std::int8_t> eligible(static_cast<py::ssize_t>(rows));
  py::array_t<std::int64_t> rank(static_cast<py::ssize_t>(rows));
  py::array group = object_array(rows), group_label = object_array(rows), points = object_array(rows),
            missing = object_array(rows), error = object_array(rows);
  std::vector<py::array> item_columns;
  for (std::size_t i = 0; i < n_items; ++i) item_columns.push_back(object_array(rows));
  auto* el = eligible.mutable_data();
  auto* rk = rank.mutable_data();
  for (std::size_t r = 0; r < rows; ++r) {
    el[r] = out.eligible[r];
    const std::int32_t g = out.group[r];
    rk[r] = g >= 0 && static_cast<std::uint32_t>(g) < n_groups ? g + 1 : 0;
    if (g == -2) {
      for (auto* a : {&group, &group_label, &points, &missing}) put(*a, r, py::none());
      for (auto& a : item_columns) put(a, r, py::none());
      continue;
    }
    put(group, r, g >= 0 ? group_ids[static_cast<std::size_t>(g)] : empty);
    put(group_label, r, g >= 0 ? group_labels[static_cast<std::size_t>(g)] : empty);
    put(points, r, decimal_of(out.points[r]));
    for (std::size_t i = 0; i < n_items; ++i) put(item_columns[i], r, decimal_of(out.items[r * n_items + i]));
    put(error, r, py::none());
  }
  for (std::size_t chunk = 0; chunk < n_chunks; ++chunk) {
    const ChunkOut& co = out.chunks[chunk];
    const std::size_t begin = chunk * kChunkRows;
    const std::size_t end = std::min(rows, begin + kChunkRows);
    for (std::size_t r = begin; r < end; ++r) {
      if (out.group[r] == -2) continue;
      const std::uint32_t from = co.missing_offsets[r - begin], to = co.missing_offsets[r - begin + 1];
      py::list ids(to - from);
      for (std::uint32_t i = from; i < to; ++i) ids[i - from] = cert_ids[co.missing[i]];
      put(missing, r, std::move(ids));
    }
    for (const RowError& e : co.errors) put(error, e.row, py::str(e.message));
  }
  result["eligible"] = eligible;
  result["rank"] = rank;
  result["group"] = group;
  result["group_label"] = group_label;
  result["points"] = points;
  py::list items;
  for (auto& a : item_columns) items.append(a);
  result["items"] = items;
  result["missing"] = missing;
  result["error"] = error;
  // Sort keys (only when the policy has tie-breaks): a tuple of ints per valid row, None otherwise.
  const std::size_t key_length = out.sort_key_length.load();
  if (key_length > 0) {
    py::array sort_key = object_array(rows);
    std::unordered_map<std::int64_t, py::object> ints;
    auto int_of = [&](std::int64_t v) -> py::object {
      if (v >= -5 && v <= 256) return py::int_(v);
      auto it = ints.find(v);
      if (it != ints.end()) return it->second;
      py::object o = py::int_(v);
      ints.emplace(v, o);
      return o;
    };
    for (std::size_t r = 0; r < rows; ++r) {
      if (out.group[r] == -2) continue;
      py::tuple t(key_length);
      const std::int64_t* k = out.sort_keys.data() + r * out.sort_key_capacity;
      for (std::size_t i = 0; i < key_length; ++i) t[i] = int_of(k[i]);
      put(sort_key, r, std::move(t));
    }
    result["sort_key"] = sort_key;
  }

  if (full) {
    py::list decisions;
    const auto& point_items = policy.points_items();
    for (std::size_t r = 0; r < rows; ++r) {
      if (out.group[r] == -2) {
        decisions.append(py::none());
        continue;
      }
      const Decision& d = out.decisions[r];
      py::dict dd;
      dd["failed_check"] = d.failed_check() == UINT32_MAX ? py::object(py::none()) : py::object(py::str(checks[d.failed_check()].id));
      dd["failed_reason"] =
          d.failed_check() == UINT32_MAX ? py::object(py::none()) : py::object(py::str(checks[d.failed_check()].reason));
      dd["points_uncapped"] = decimal_of(d.points_uncapped().units());
      py::list breakdown;
      for (const admit::PointsLine& line : d.breakdown()) {
        if (line.item >= point_items.size()) continue;
        breakdown.append(py::make_tuple(point_items[line.item].id, point_items[line.item].label, decimal_of(line.raw.units()),
                                        decimal_of(line.value.units()), line.applied));
      }
      dd["breakdown"] = breakdown;
      py::list certificates;
      for (const admit::RequiredCertificate& c : d.certificates())
        certificates.append(py::make_tuple(certs[c.certificate].id, certs[c.certificate].label,
                                           std::string(admit::to_string(c.status))));
      dd["certificates"] = certificates;
      py::list trace;
      for (const admit::TraceEntry& e : d.trace()) {
        py::dict t;
        t["kind"] = std::string(trace_kind_name(e.kind));
        t["subject"] = e.subject;
        t["result"] = e.result;
        t["value"] = decimal_of(e.value.units());
        t["expression"] = e.expression;
        t["location"] = e.location;
        t["values_seen"] = e.values_seen;
        trace.append(t);
      }
      dd["trace"] = trace;
      py::tuple key(d.sort_key().size());
      for (std::size_t i = 0; i < d.sort_key().size(); ++i) key[i] = py::int_(d.sort_key()[i]);
      dd["sort_key"] = key;
      // As `admit test` reads it: the rank and the group's own keys (not the zero padding).
      const std::size_t own = d.sort_key().empty() ? 0 : d.eligible() ? 1 + policy.tie_break(d.group()).size() : 1;
      py::list key_text;
      for (std::size_t i = 0; i < own && i < d.sort_key().size(); ++i) key_text.append(d.sort_key_text(i));
      dd["sort_key_text"] = key_text;
      decisions.append(dd);
    }
    result["decisions"] = decisions;
  }
  const auto t3 = Clock::now();
  auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
  // Where the time went: converting columns (GIL held), evaluating (GIL released), building results.
  result["timings"] = py::make_tuple(seconds(t1 - t0), seconds(t2 - t1), seconds(t3 - t2));
  result["threads"] = n_threads;
  return result;
}

// ---- the evaluation context ----------------------------------------------------------------------

/// Sets one converted value on a context (typed builder); false when it does not fit.
bool set_context_value(admit::Context& c, FactHandle h, Kind kind, const Cell& cell, const Tables& tables) {
  switch (kind) {
    case Kind::boolean: return c.set_bool(h, cell.value != 0);
    case Kind::integer: return c.set_int(h, cell.value);
    case Kind::decimal: return c.set_decimal(h, Decimal::from_units(cell.value));
    case Kind::date: return c.set_date(h, Date::from_days(static_cast<std::int32_t>(cell.value)));
    case Kind::string:
    case Kind::enumeration: return c.set_string(h, tables.strings[static_cast<std::size_t>(cell.value)]);
    case Kind::list: return false;
  }
  return false;
}

std::string cell_text(Kind kind, const Cell& cell, const Tables& tables) {
  switch (kind) {
    case Kind::boolean: return cell.value ? "true" : "false";
    case Kind::integer: return std::to_string(cell.value);
    case Kind::decimal: return Decimal::from_units(cell.value).to_string();
    case Kind::date: return Date::from_days(static_cast<std::int32_t>(cell.value)).to_string();
    case Kind::string:
    case Kind::enumeration: return tables.strings[static_cast<std::size_t>(cell.value)];
    case Kind::list: return {};
  }
  return {};
}

/// Binds (path, value) pairs into an admit::Context, converting values as record values are.
/// `per_row`: context paths that the data supplies row by row (columns), which the context may
/// leave unset. Returns (CoreContext, None, None), or (None, key, message) naming the bad key.
py::tuple CorePolicy::bind_context(const py::list& values, const std::vector<std::string>& per_row) const {
  auto fail = [](const std::string& key, const std::string& message) {
    return py::make_tuple(py::none(), key, mask_ids_in_text(message));
  };
  std::string names;
  for (const FactInfo& f : policy_->facts())
    if (f.context) names += (names.empty() ? "" : ", ") + f.path;
  auto core = std::make_unique<CoreContext>(policy_);
  struct Setting {
    std::string path;
    Kind kind;
    FactHandle handle;
    Cell cell;
  };
  std::vector<Setting> settings;
  Tables tables;
  for (py::handle item : values) {
    py::tuple t = py::reinterpret_borrow<py::tuple>(item);
    const std::string path = t[0].cast<std::string>();
    const FactInfo* f = fact(path);
    if (f == nullptr || !f->context) {
      if (f != nullptr) return fail(path, "`" + path + "` is a fact of the applicant record, not an evaluation context value");
      return fail(path, "`" + path + "` is not a context value of this policy" +
                            (names.empty() ? std::string(" (it declares none)") : " (its context values: " + names + ")"));
    }
    const FactSpec spec{path, kind_of(f->type), f};
    const Cell cell = convert_object(spec, t[1], tables);
    if (cell.status == kError) return fail(path, tables.messages[static_cast<std::size_t>(cell.value)]);
    if (cell.status == kMissing) continue;  // None / NA: the policy's default
    settings.push_back(Setting{path, spec.kind, core->context().find(path), cell});
  }
  for (const Setting& st : settings) {
    if (!st.handle || !set_context_value(core->context(), st.handle, st.kind, st.cell, tables))
      return fail(st.path, "`" + st.path + "`: the value does not fit the context value");
    core->values.emplace_back(st.path, cell_text(st.kind, st.cell, tables));
  }
  // Every value the policy reads must be set, have a default, or come from a column. A probe
  // context holds placeholders for the per-row values, so that finish() names any other one.
  admit::Context probe(*policy_);
  for (const Setting& st : settings) set_context_value(probe, probe.find(st.path), st.kind, st.cell, tables);
  for (const std::string& path : per_row) {
    const FactInfo* f = fact(path);
    if (f == nullptr || !f->context) continue;
    const bool given = std::any_of(settings.begin(), settings.end(), [&](const Setting& st) { return st.path == path; });
    if (given) continue;
    const FactHandle h = probe.find(path);
    switch (kind_of(f->type)) {
      case Kind::boolean: probe.set_bool(h, false); break;
      case Kind::integer: probe.set_int(h, 0); break;
      case Kind::decimal: probe.set_decimal(h, Decimal()); break;
      case Kind::date: probe.set_date(h, Date::from_days(0)); break;
      case Kind::enumeration: probe.set_string(h, f->values.empty() ? std::string() : f->values.front()); break;
      default: probe.set_string(h, ""); break;
    }
  }
  admit::BindError error;
  if (!probe.finish(&error)) {
    const std::string key = error.field;
    return fail(key, format_bind_error(error) + ": pass it in `context=` (a dict, nested or dotted keys)");
  }
  return py::make_tuple(py::cast(core.release(), py::return_value_policy::take_ownership), py::none(), py::none());
}

// ---- the policy's own tests (as `admit test` runs them) -------------------------------------------

py::list CorePolicy::run_tests() const {
  const Policy& policy = *policy_;
  const auto& tests = policy.tests();
  std::vector<std::vector<std::string>> problems(tests.size());
  {
    py::gil_scoped_release release;
    Applicant applicant(policy);
    admit::Context context(policy);
    Decision decision;
    for (std::size_t i = 0; i < tests.size(); ++i)
      problems[i] = admit::run_test_case(policy, tests[i], context, applicant, decision).problems;
  }
  py::list out;
  for (std::size_t i = 0; i < tests.size(); ++i) out.append(py::make_tuple(i, problems[i]));
  return out;
}

// ---- compile --------------------------------------------------------------------------------------

admit::CompileOptions make_options(const std::vector<std::pair<std::string, std::string>>& overrides, bool sibling_tests) {
  admit::CompileOptions options;
  options.overrides = overrides;
  options.load_sibling_tests = sibling_tests;
  return options;
}

py::tuple compile_result(admit::CompileResult r) {
  py::list diagnostics;
  for (const auto& d : r.diagnostics) diagnostics.append(diagnostic_dict(d));
  std::string text = admit::render_text(r.diagnostics);
  py::object policy = r.policy ? py::cast(CorePolicy(r.policy)) : py::object(py::none());
  return py::make_tuple(policy, diagnostics, text);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "admit._core: the native half of the `admit` package (private; use `import admit`).";
  types();

  py::class_<CoreContext>(m, "CoreContext", "An evaluation context bound to one policy (read-only, shared).")
      .def_readonly("values", &CoreContext::values, "The values set, as (path, canonical text).");
  py::class_<CorePolicy>(m, "CorePolicy", "A compiled, immutable policy (shared, thread-safe).")
      .def("bind_context", &CorePolicy::bind_context, py::arg("values"), py::arg("per_row") = std::vector<std::string>{},
           "Binds [(path, value)] into a context: (CoreContext, None, None) or (None, key, message).")
      .def("run_tests", &CorePolicy::run_tests, "Runs the policy's tests as `admit test` does: [(index, problems)].")
      .def("info", &CorePolicy::info, "Metadata, facts, params, groups, points items, certificates and tests.")
      .def("evaluate", &CorePolicy::evaluate, py::arg("rows"), py::arg("columns"), py::arg("threads") = 0,
           py::arg("full") = false, py::arg("context") = nullptr,
           "Evaluates `rows` applicants given as columns [(name, source, data[, uniques])]; "
           "source is bool|int|float|days|coded|objects. The GIL is released while evaluating.");

  m.def(
      "compile_file",
      [](const std::string& path, const std::vector<std::pair<std::string, std::string>>& overrides, bool sibling_tests) {
        admit::CompileResult r;
        {
          py::gil_scoped_release release;
          r = admit::compile_file(path, make_options(overrides, sibling_tests));
        }
        return compile_result(std::move(r));
      },
      py::arg("path"), py::arg("overrides") = std::vector<std::pair<std::string, std::string>>{},
      py::arg("sibling_tests") = true, "Compiles a rule file: (CorePolicy or None, diagnostics, rendered text).");
  m.def(
      "compile_source",
      [](const std::string& text, const std::string& file_name,
         const std::vector<std::pair<std::string, std::string>>& overrides, bool sibling_tests,
         const std::vector<std::pair<std::string, std::string>>& files) {
        admit::CompileResult r;
        {
          py::gil_scoped_release release;
          admit::CompileOptions options = make_options(overrides, sibling_tests);
          options.files = files;
          r = admit::compile_source(text, file_name, options);
        }
        return compile_result(std::move(r));
      },
      py::arg("text"), py::arg("file_name"), py::arg("overrides") = std::vector<std::pair<std::string, std::string>>{},
      py::arg("sibling_tests") = false, py::arg("files") = std::vector<std::pair<std::string, std::string>>{},
      "Compiles rule-file text (`files`: the texts of the files it extends, by path): (CorePolicy or None, "
      "diagnostics, rendered text).");
  m.def("mask_resident_id", [](const std::string& id) { return admit::mask_resident_id(id); },
        "Masks a resident ID number (first 4 and last 4 characters kept).");
  m.def("hardware_threads", [] { return std::max(1u, std::thread::hardware_concurrency()); });
}
