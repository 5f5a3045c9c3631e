// The questions `admit check --analyze` and `admit diff` ask of a policy (docs/analysis.md).

#include <algorithm>
#include <chrono>
#include <limits>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>

#include "admit/analysis.hpp"
#include "analysis/model.hpp"

namespace admit {

using internal::CompiledPolicy;
namespace analysis = internal::analysis;

bool analysis_available() noexcept { return true; }

std::vector<Diagnostic> AnalysisReport::diagnostics() const {
  std::vector<Diagnostic> out;
  out.reserve(findings.size());
  for (const auto& f : findings) out.push_back(f.diagnostic);
  return out;
}

namespace {

using analysis::PolicyModel;
using analysis::Witness;

struct Answer {
  z3::check_result result = z3::unknown;
  std::optional<z3::model> model;
  std::string reason;  // for unknown
};

std::string decimal_text(std::int64_t units) { return Decimal::from_units(units).to_string(); }

/// Where things are in the rule file, for positions that the compiled policy does not keep
/// (a certificate's declaration, the `groups:` and `points:` keys).
std::size_t find_key(const std::string& text, std::string_view section, std::string_view key) {
  std::size_t at = 0;
  std::string head = std::string(section) + ":";
  while ((at = text.find(head, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') break;
    at += head.size();
  }
  if (at == std::string::npos) return std::string::npos;
  if (key.empty()) return at;
  std::size_t line = text.find('\n', at);
  while (line != std::string::npos) {
    std::size_t start = line + 1;
    std::size_t first = text.find_first_not_of(' ', start);
    if (first == std::string::npos) break;
    if (first == start && text[first] != '#' && text[first] != '\n' && text[first] != '\r') break;  // next section
    if (text.compare(first, key.size(), key) == 0 && first + key.size() < text.size() && text[first + key.size()] == ':')
      return first;
    line = text.find('\n', start);
  }
  return std::string::npos;
}

class Analyzer {
 public:
  Analyzer(const AnalysisOptions& options) : options_(options), start_(std::chrono::steady_clock::now()) {}

  /// Facts every later query shares (the domains, "the evaluation runs without error"): asserted
  /// once in an incremental solver, so that what it learns carries over from query to query.
  void set_base(const std::vector<z3::expr>& facts) {
    solver_.emplace(ctx_);
    z3::params params(ctx_);
    params.set("timeout", options_.query_timeout_ms);
    solver_->set(params);
    current_timeout_ = options_.query_timeout_ms;
    base_ = facts;
    for (const auto& f : facts) solver_->add(f);
  }

  /// A fact already proven (e.g. an item's range): asserting it helps later proofs, changes no answer.
  void add_lemma(const z3::expr& fact) {
    if (!solver_) set_base({});
    solver_->add(fact);
  }


  Answer solve(const std::vector<z3::expr>& facts) {
    if (!solver_) set_base({});
    // Each query's facts are guarded by a fresh literal and assumed: the solver keeps what it learned
    // (push/pop, which forgets it, made the points bounds 6 times slower).
    z3::expr_vector assumptions(ctx_);
    for (const auto& f : facts) {
      bool in_base = false;
      for (const auto& b : base_) in_base = in_base || z3::eq(b, f);
      if (in_base) continue;
      z3::expr flag = ctx_.bool_const(fmt::format("query#{}", queries_++).c_str());
      solver_->add(z3::implies(flag, f));
      assumptions.push_back(flag);
    }
    Answer a;
    const auto start = std::chrono::steady_clock::now();
    unsigned timeout = options_.query_timeout_ms;
    if (options_.time_budget_ms != 0) {
      const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(start - start_).count();
      if (spent >= static_cast<long long>(options_.time_budget_ms)) {
        a.reason = fmt::format("the analysis ran out of its time budget ({} s per policy)", options_.time_budget_ms / 1000.0);
        return a;
      }
      timeout = static_cast<unsigned>(std::min<long long>(timeout, options_.time_budget_ms - spent));
    }
    if (timeout != current_timeout_) {
      z3::params params(ctx_);
      params.set("timeout", timeout);
      solver_->set(params);
      current_timeout_ = timeout;
    }
    a.result = solver_->check(assumptions);
    if (std::getenv("ADMIT_ANALYSIS_DEBUG"))
      std::fprintf(stderr, "query %d: %.3f s\n", static_cast<int>(a.result),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (a.result == z3::sat) a.model = solver_->get_model();
    if (a.result == z3::unknown) {
      a.reason = solver_->reason_unknown();
      if (a.reason == "canceled" || a.reason == "timeout") a.reason = fmt::format("the solver ran out of time ({} s)", timeout / 1000.0);
    }
    return a;
  }

  z3::context& ctx() { return ctx_; }

  ~Analyzer() {
    const auto t0 = std::chrono::steady_clock::now();
    solver_.reset();
    if (std::getenv("ADMIT_ANALYSIS_DEBUG"))
      std::fprintf(stderr, "solver freed in %.3f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }

  Diagnostic at(const PolicyModel& m, std::size_t offset, Severity severity, std::string code, std::string message) {
    const auto& source = *m.p.source;
    if (offset == std::string::npos || offset >= source.text().size()) {
      Diagnostic d;
      d.severity = severity;
      d.code = std::move(code);
      d.message = std::move(message);
      d.file = source.name();
      return d;
    }
    std::size_t end = source.text().find('\n', offset);
    if (end == std::string::npos) end = source.text().size();
    if (end > offset && source.text()[end - 1] == '\r') --end;
    return source.make_diagnostic(severity, std::move(code), std::move(message), offset, std::max(end, offset + 1));
  }

  AnalysisFinding& add(std::string code, Severity severity, std::string subject, Diagnostic d) {
    AnalysisFinding f;
    f.code = code;
    f.severity = severity;
    f.subject = std::move(subject);
    d.code = std::move(code);
    d.severity = severity;
    f.diagnostic = std::move(d);
    report.findings.push_back(std::move(f));
    return report.findings.back();
  }

  void attach(AnalysisFinding& f, const Witness& w) {
    f.example_json = w.json;
    f.diagnostic.notes.push_back("for example: " + w.display);
    if (!w.context.empty()) {
      f.example_context_json = w.context_json();
      f.diagnostic.notes.push_back("in the evaluation context: " + f.example_context_json);
    }
    if (w.display != w.json)
      f.diagnostic.notes.push_back("resident ID numbers are masked here; `--examples DIR` writes the replayable record");
  }

  void unknown(const PolicyModel& m, std::string code, std::string subject, std::size_t offset, std::string question,
               std::string reason) {
    add(std::move(code), Severity::note, std::move(subject),
        at(m, offset, Severity::note, "", fmt::format("cannot decide {}: {}", question, reason)));
  }

  /// The reason a model's example failed to replay, for "unknown".
  static std::string replay_failure(const PolicyModel& m, const std::string& why) {
    if (!m.unknowns.empty()) return fmt::format("the policy uses rules outside the analysed fragment ({})", m.unknown_summary());
    return fmt::format("internal: the solver's example does not replay ({}); please report this", why);
  }

  AnalysisReport report;
  int serial = 0;

 private:
  AnalysisOptions options_;
  z3::context ctx_;
  std::optional<z3::solver> solver_;
  std::vector<z3::expr> base_;
  unsigned queries_ = 0;
  std::chrono::steady_clock::time_point start_;
  unsigned current_timeout_ = 0;
};

std::string group_name(const CompiledPolicy& p, std::uint32_t g) {
  const auto& info = p.group_infos[g];
  return info.label.empty() ? fmt::format("`{}`", info.id) : fmt::format("`{}` ({})", info.id, info.label);
}

// --- analyze ----------------------------------------------------------------------------------

void report_unknown_rules(Analyzer& a, const PolicyModel& m) {
  for (const auto& u : m.unknowns)
    a.unknown(m, "analysis-unknown", "", u.offset, fmt::format("{} exactly", u.what), u.reason);
}

void check_gap(Analyzer& a, PolicyModel& m) {
  const CompiledPolicy& p = m.p;
  if (p.groups.empty()) return;  // a fragment (a catalogue, a baseline to extend), not a whole policy
  const std::size_t groups_at = find_key(p.source->text(), "groups", "");
  Answer ans = a.solve({m.domain(), *m.runs_ok, *m.no_group});
  if (ans.result == z3::unsat) return;
  if (ans.result == z3::unknown) {
    a.unknown(m, "analysis-unknown", "", groups_at, "whether every eligible applicant matches a group", ans.reason);
    return;
  }
  Witness w = analysis::build_witness({&m}, *ans.model, ++a.serial);
  Decision d;
  std::string why;
  if (!analysis::replay(m.policy, w, d, &why) || !d.eligible() || d.group() != UINT32_MAX) {
    if (why.empty()) why = fmt::format("the evaluator placed it in `{}`", d.group_id());
    a.unknown(m, "analysis-unknown", "", groups_at, "whether every eligible applicant matches a group",
              Analyzer::replay_failure(m, why));
    return;
  }
  Diagnostic d0 = a.at(m, groups_at, Severity::warning, "",
                       "an eligible applicant matches no group, and the policy does not say what happens then");
  d0.help = "add a last group with `when: true` (e.g. 统筹安置), or accept the finding (docs/analysis.md)";
  auto& f = a.add("analysis-gap", Severity::warning, "", std::move(d0));
  a.attach(f, w);
}

void check_groups(Analyzer& a, PolicyModel& m, bool overlaps) {
  const CompiledPolicy& p = m.p;
  z3::context& c = a.ctx();
  for (std::uint32_t g = 0; g < p.groups.size(); ++g) {
    Answer ans = a.solve({m.domain(), *m.runs_ok, m.reach[g]});
    if (ans.result == z3::sat) continue;
    if (ans.result == z3::unknown) {
      a.unknown(m, "analysis-unknown", p.group_infos[g].id, p.groups[g].offset,
                fmt::format("whether group `{}` can be reached", p.group_infos[g].id), ans.reason);
      continue;
    }
    // Which earlier groups take its applicants: a minimal set whose "does not hold" is contradictory.
    std::vector<std::uint32_t> culprits;
    for (std::uint32_t i = 0; i < g; ++i) culprits.push_back(i);
    auto unsat_without = [&](const std::vector<std::uint32_t>& keep) {
      std::vector<z3::expr> fs{m.domain(), *m.runs_ok, *m.eligible, m.groups[g].value};
      for (std::uint32_t i : keep) fs.push_back(!m.groups[i].value);
      return a.solve(fs).result == z3::unsat;
    };
    if (unsat_without({})) {
      culprits.clear();
    } else {
      for (std::size_t k = 0; k < culprits.size();) {
        std::vector<std::uint32_t> trial = culprits;
        trial.erase(trial.begin() + static_cast<std::ptrdiff_t>(k));
        if (unsat_without(trial)) culprits = trial;
        else ++k;
      }
    }
    std::string message;
    std::vector<std::string> names;
    for (std::uint32_t i : culprits) names.push_back(p.group_infos[i].id);
    if (culprits.empty()) {
      message = fmt::format("group {} can never be reached: its condition never holds for an eligible applicant",
                            group_name(p, g));
    } else {
      std::string list;
      for (std::size_t k = 0; k < names.size(); ++k) list += (k ? ", `" : "`") + names[k] + "`";
      message = fmt::format("group {} can never be reached: every applicant it matches is taken by the earlier group{} {}",
                            group_name(p, g), names.size() == 1 ? "" : "s", list);
    }
    Diagnostic d = a.at(m, p.groups[g].offset, Severity::error, "", message);
    if (!m.unknowns.empty())
      d.notes.push_back("rules outside the analysed fragment were left unconstrained, so this holds for them too");
    auto& f = a.add("analysis-dead-group", Severity::error, p.group_infos[g].id, std::move(d));
    f.related = names;
  }
  if (!overlaps) return;
  for (std::uint32_t i = 0; i < p.groups.size(); ++i)
    for (std::uint32_t j = i + 1; j < p.groups.size(); ++j) {
      Answer ans = a.solve({m.domain(), *m.runs_ok, m.reach[i], m.groups[j].value, !m.groups[j].error});
      if (ans.result != z3::sat) continue;
      Witness w = analysis::build_witness({&m}, *ans.model, ++a.serial);
      Decision d;
      std::string why;
      auto other = analysis::run_rule(m.policy, w, p.groups[j].condition);
      if (!analysis::replay(m.policy, w, d, &why) || d.group() != i || !other || *other == 0) continue;
      Diagnostic diag = a.at(m, p.groups[j].offset, Severity::note, "",
                             fmt::format("groups `{}` and `{}` overlap: an applicant can match both, and `{}` wins by its order",
                                         p.group_infos[i].id, p.group_infos[j].id, p.group_infos[i].id));
      auto& f = a.add("analysis-overlap", Severity::note, p.group_infos[j].id, std::move(diag));
      f.related = {p.group_infos[i].id};
      a.attach(f, w);
      (void)c;
    }
}

/// The least and greatest value of `value` for eligible applicants: a model gives a reachable
/// value, then a binary search with the incremental solver closes the gap (exact; at most 64 steps).
std::optional<std::pair<std::int64_t, std::int64_t>> optimize_range(Analyzer& a, PolicyModel& m, const z3::expr& value,
                                                                     std::string& why) {
  z3::context& c = a.ctx();
  Answer first = a.solve({*m.eligible});
  if (first.result != z3::sat) {
    why = first.result == z3::unsat ? "no applicant is eligible" : first.reason;
    return std::nullopt;
  }
  std::int64_t reached = 0;
  if (!first.model->eval(value, true).is_numeral_i64(reached)) {
    why = "internal: a value out of range";
    return std::nullopt;
  }
  std::int64_t bounds[2];
  for (int k = 0; k < 2; ++k) {
    const bool up = k == 1;
    std::int64_t good = reached;  // reachable
    std::int64_t far = up ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
    while (good != far) {
      // The midpoint between good and far, rounded toward far, without overflow.
      __int128 mid128 = (static_cast<__int128>(good) + far + (up ? 1 : -1)) / 2;
      if (!up && (static_cast<__int128>(good) + far) % 2 != 0) mid128 = (static_cast<__int128>(good) + far - 1) / 2;
      const auto mid = static_cast<std::int64_t>(mid128);
      Answer ans = a.solve({*m.eligible, up ? value >= c.int_val(mid) : value <= c.int_val(mid)});
      if (ans.result == z3::unknown) {
        why = ans.reason;
        return std::nullopt;
      }
      if (ans.result == z3::sat) {
        if (!ans.model->eval(value, true).is_numeral_i64(good)) good = mid;
      } else {
        far = up ? mid - 1 : mid + 1;
      }
    }
    bounds[k] = good;
  }
  return std::make_pair(bounds[0], bounds[1]);
}

void check_points(Analyzer& a, PolicyModel& m, const AnalysisOptions& options) {
  const CompiledPolicy& p = m.p;
  z3::context& c = a.ctx();
  const std::size_t n = p.points_items.size();
  if (n == 0) return;
  for (std::size_t i = 0; i <= n; ++i) {
    const bool total = i == n;
    PointsRange range;
    range.item = total ? "" : p.points_infos[i].id;
    const std::string subject = total ? "the points total" : fmt::format("points item `{}`", range.item);
    const std::size_t offset = total ? find_key(p.source->text(), "points", "") : p.points_items[i].offset;
    std::string reason;
    if (!total && !m.item_values[i].unknown.empty()) reason = m.item_values[i].unknown;
    if (!total && !m.item_conditions[i].unknown.empty()) reason = m.item_conditions[i].unknown;
    if (total)
      for (std::size_t k = 0; k < n; ++k)
        if (!m.item_values[k].unknown.empty() || !m.item_conditions[k].unknown.empty())
          reason = fmt::format("points item `{}` {}", p.points_infos[k].id,
                               m.item_values[k].unknown.empty() ? m.item_conditions[k].unknown : m.item_values[k].unknown);
    if (reason.empty()) {
      auto r = optimize_range(a, m, total ? *m.total : m.item_value[i], reason);
      if (r) {
        range.known = true;
        range.min = Decimal::from_units(r->first);
        range.max = Decimal::from_units(r->second);
        const z3::expr& v = total ? *m.total : m.item_value[i];
        a.add_lemma(z3::implies(*m.eligible, v >= c.int_val(r->first) && v <= c.int_val(r->second)));
      }
    }
    if (!range.known) range.unknown_reason = reason;
    a.report.points.push_back(range);
    if (options.points_ranges) {
      if (range.known)
        a.add("analysis-points-range", Severity::note, range.item,
              a.at(m, offset, Severity::note, "",
                   fmt::format("{} ranges from {} to {} for eligible applicants", subject, range.min.to_string(),
                               range.max.to_string())));
      else
        a.unknown(m, "analysis-unknown", range.item, offset, fmt::format("the range of {}", subject), reason);
    }
    if (!reason.empty()) continue;

    // A cap that never binds, an item that is always 0.
    std::optional<Decimal> cap = total ? p.points_cap : p.points_infos[i].cap;
    if (cap) {
      z3::expr over = total ? (*m.total_uncapped > c.int_val(cap->units()))
                            : (m.item_applied[i] && m.item_raw[i] > c.int_val(cap->units()));
      Answer ans = a.solve({m.domain(), *m.runs_ok, *m.eligible, over});
      if (ans.result == z3::unsat) {
        std::string most;
        std::string why;
        if (auto r = optimize_range(a, m, total ? *m.total_uncapped : z3::ite(m.item_applied[i], m.item_raw[i], c.int_val(0)),
                                    why))
          most = fmt::format(": it is at most {}", decimal_text(r->second));
        a.add("analysis-dead-cap", Severity::warning, range.item,
              a.at(m, offset, Severity::warning, "",
                   fmt::format("the cap {} of {} never binds{}", cap->to_string(), subject, most)));
      } else if (ans.result == z3::unknown) {
        a.unknown(m, "analysis-unknown", range.item, offset, fmt::format("whether the cap of {} binds", subject), ans.reason);
      }
    }
    if (!total) {
      Answer ans = a.solve({m.domain(), *m.runs_ok, *m.eligible, m.item_value[i] != 0});
      if (ans.result == z3::unsat) {
        a.add("analysis-zero-item", Severity::warning, range.item,
              a.at(m, offset, Severity::warning, "",
                   fmt::format("points item `{}` is 0 for every eligible applicant", range.item)));
      } else if (ans.result == z3::unknown) {
        a.unknown(m, "analysis-unknown", range.item, offset, fmt::format("whether {} is ever non-zero", subject), ans.reason);
      }
    }
  }
}

void check_certificates(Analyzer& a, PolicyModel& m) {
  const CompiledPolicy& p = m.p;
  z3::context& c = a.ctx();
  if (p.groups.empty()) return;  // a fragment: its certificates are for the policies that extend it
  // Certificates are looked up in the policy's own file: those it inherits from a shared catalogue
  // (`extends:`) are not expected to be required by every policy.
  const auto& own = p.source->files().front();
  const std::string text(p.source->file_text(own));
  const std::size_t certs = p.certificate_infos.size();
  // Which (group, requirement) can apply, per certificate.
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> required_by(certs);
  std::vector<bool> undecided(certs, false);
  for (std::uint32_t g = 0; g < p.groups.size(); ++g)
    for (std::uint32_t j = 0; j < p.groups[g].requirements.size(); ++j) {
      const auto cert = p.groups[g].requirements[j].certificate;
      Answer ans = a.solve({m.domain(), *m.runs_ok, m.reach[g], m.requirement_applies[g][j]});
      if (ans.result == z3::sat) required_by[cert].emplace_back(g, j);
      if (ans.result == z3::unknown) undecided[cert] = true;
    }
  // Certificates a required certificate's substitute can use.
  std::vector<bool> in_bundle(certs, false);
  for (std::uint32_t cert = 0; cert < certs; ++cert)
    if (!required_by[cert].empty() || undecided[cert])
      for (const auto& s : p.certificates[cert].substitutes)
        for (std::uint32_t x : s.all_of) in_bundle[x] = true;

  for (std::uint32_t cert = 0; cert < certs; ++cert) {
    const auto& info = p.certificate_infos[cert];
    std::size_t offset = find_key(text, "certificates", info.id);
    const bool inherited = offset == std::string::npos;
    if (!inherited) offset += own.begin;
    const std::string name = info.label.empty() ? fmt::format("`{}`", info.id) : fmt::format("`{}` ({})", info.id, info.label);
    if (required_by[cert].empty()) {
      if (undecided[cert]) {
        a.unknown(m, "analysis-unknown", info.id, offset, fmt::format("whether certificate `{}` is ever required", info.id),
                  "the solver ran out of time");
      } else if (!in_bundle[cert] && !inherited) {
        a.add("analysis-unused-certificate", Severity::warning, info.id,
              a.at(m, offset, Severity::warning, "",
                   fmt::format("certificate {} is never required: no reachable group asks for it and no substitute uses it", name)));
      }
      continue;
    }
    if (info.verified_by.empty()) {
      std::set<std::string> groups;
      for (auto [g, j] : required_by[cert]) groups.insert(p.group_infos[g].id);
      std::string list;
      for (const auto& id : groups) list += (list.empty() ? "`" : ", `") + id + "`";
      a.add("analysis-upload-only", Severity::note, info.id,
            a.at(m, offset, Severity::note, "",
                 fmt::format("certificate {} has no data-sharing source (`verified_by`): families placed in {} must upload it",
                             name, list)));
    }
    // Substitutes that can never apply.
    z3::expr needed = c.bool_val(false);
    for (auto [g, j] : required_by[cert]) needed = needed || (m.reach[g] && m.requirement_applies[g][j]);
    const auto& subs = p.certificates[cert].substitutes;
    for (std::uint32_t s = 0; s < subs.size(); ++s) {
      const std::string subject = info.id + "/" + subs[s].id;
      Answer ans = a.solve({m.domain(), *m.runs_ok, needed, m.substitute_used[cert][s]});
      if (ans.result == z3::sat) continue;
      if (ans.result == z3::unknown) {
        a.unknown(m, "analysis-unknown", subject, subs[s].offset,
                  fmt::format("whether substitute `{}` of `{}` can apply", subs[s].id, info.id), ans.reason);
        continue;
      }
      a.add("analysis-dead-substitute", Severity::warning, subject,
            a.at(m, subs[s].offset ? subs[s].offset : offset, Severity::warning, "",
                 fmt::format("substitute `{}` of certificate `{}` can never apply: no applicant who needs `{}` can use it",
                             subs[s].id, info.id, info.id)));
    }
  }
}

}  // namespace

AnalysisReport analyze(const Policy& policy, const AnalysisOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  Analyzer a(options);
  PolicyModel m(a.ctx(), policy, "");
  a.set_base({m.domain(), *m.runs_ok});
  report_unknown_rules(a, m);
  check_gap(a, m);
  check_groups(a, m, options.overlaps);
  check_points(a, m, options);
  check_certificates(a, m);
  a.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::move(a.report);
}

// --- diff -------------------------------------------------------------------------------------

namespace {

/// Makes the two policies read one applicant: facts, list items, certificates and resident IDs of
/// the same name are the same unknowns (enum values matched by name).
z3::expr link(z3::context& c, PolicyModel& o, PolicyModel& n, std::vector<std::string>& notes) {
  z3::expr all = c.bool_val(true);
  const CompiledPolicy& po = o.p;
  const CompiledPolicy& pn = n.p;
  auto link_scalar = [&](const internal::FactDef& fo, const internal::FactDef& fn, const z3::expr& vo, const z3::expr& vn,
                         const std::string& path) {
    if (fo.type.kind != fn.type.kind) {
      notes.push_back(fmt::format("fact `{}` changed its type; it is not compared", path));
      return;
    }
    if (fo.type.kind == internal::TypeKind::enumeration) {
      const auto& eo = po.enums[fo.type.id];
      const auto& en = pn.enums[fn.type.id];
      for (std::uint32_t i = 0; i < eo.values.size(); ++i) {
        auto it = en.index.find(eo.values[i]);
        if (it == en.index.end()) all = all && vo != c.int_val(i);
        else all = all && ((vo == c.int_val(i)) == (vn == c.int_val(it->second)));
      }
      for (std::uint32_t i = 0; i < en.values.size(); ++i)
        if (!eo.index.count(en.values[i])) all = all && vn != c.int_val(i);
      return;
    }
    all = all && vo == vn;
  };
  for (const auto& [i, vo] : o.vars.facts_) {
    auto it = pn.fact_by_path.find(po.facts[i].path);
    if (it == pn.fact_by_path.end()) continue;
    link_scalar(po.facts[i], pn.facts[it->second], vo, n.vars.fact(it->second), po.facts[i].path);
  }
  for (const auto& [j, vn] : n.vars.facts_) {
    auto it = po.fact_by_path.find(pn.facts[j].path);
    if (it == po.fact_by_path.end() || o.vars.facts_.count(it->second)) continue;
    link_scalar(po.facts[it->second], pn.facts[j], o.vars.fact(it->second), vn, pn.facts[j].path);
  }
  for (const auto& [i, ids] : o.vars.ids_) {
    auto it = pn.fact_by_path.find(po.facts[i].path);
    if (it == pn.fact_by_path.end()) continue;
    all = all && ids.valid == n.vars.id_valid(it->second) && ids.birth == n.vars.id_birth(it->second) &&
          ids.gender == n.vars.id_gender(it->second);
  }
  for (std::uint32_t lo = 0; lo < po.lists.size(); ++lo) {
    auto it = pn.list_by_path.find(po.lists[lo].path);
    if (it == pn.list_by_path.end()) continue;
    const std::uint32_t ln = it->second;
    if (!o.vars.counts_.count(lo) && !n.vars.counts_.count(ln)) continue;
    all = all && o.vars.list_count(lo) == n.vars.list_count(ln);
    std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> keys;
    for (const auto& [key, v] : o.vars.fields_)
      if (std::get<0>(key) == lo) keys.push_back(key);
    for (const auto& key : keys) {
      const auto& fo = po.lists[lo].fields[std::get<2>(key)];
      auto f = pn.lists[ln].field_index.find(fo.path);
      if (f == pn.lists[ln].field_index.end() || std::get<1>(key) >= pn.lists[ln].max_items) continue;
      link_scalar(fo, pn.lists[ln].fields[f->second], o.vars.fields_.at(key), n.vars.field(ln, std::get<1>(key), f->second),
                  po.lists[lo].path + "." + fo.path);
    }
    std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> new_keys;
    for (const auto& [key, v] : n.vars.fields_)
      if (std::get<0>(key) == ln) new_keys.push_back(key);
    for (const auto& key : new_keys) {
      const auto& fn = pn.lists[ln].fields[std::get<2>(key)];
      auto f = po.lists[lo].field_index.find(fn.path);
      if (f == po.lists[lo].field_index.end() || std::get<1>(key) >= po.lists[lo].max_items) continue;
      if (o.vars.fields_.count({lo, std::get<1>(key), f->second})) continue;
      link_scalar(po.lists[lo].fields[f->second], fn, o.vars.field(lo, std::get<1>(key), f->second), n.vars.fields_.at(key),
                  po.lists[lo].path + "." + fn.path);
    }
  }
  for (std::uint32_t co = 0; co < po.certificate_infos.size(); ++co) {
    auto it = pn.certificate_by_id.find(po.certificate_infos[co].id);
    if (it == pn.certificate_by_id.end()) continue;
    if (o.vars.verified_.count(co) || n.vars.verified_.count(it->second))
      all = all && o.vars.verified(co) == n.vars.verified(it->second);
    if (o.vars.submitted_.count(co) || n.vars.submitted_.count(it->second))
      all = all && o.vars.submitted(co) == n.vars.submitted(it->second);
  }
  return all;
}

/// The decision's outcome as a label: "group:<id>", "check:<id>" (ineligible) or "none".
struct Outcomes {
  std::vector<std::string> labels;
  std::map<std::string, int> index;
  int of(const std::string& label) {
    auto [it, added] = index.emplace(label, static_cast<int>(labels.size()));
    if (added) labels.push_back(label);
    return it->second;
  }
};

z3::expr outcome_term(z3::context& c, PolicyModel& m, Outcomes& outcomes) {
  const CompiledPolicy& p = m.p;
  z3::expr t = c.int_val(outcomes.of("none"));
  for (std::size_t g = p.groups.size(); g-- > 0;)
    t = z3::ite(m.reach[g], c.int_val(outcomes.of("group:" + p.group_infos[g].id)), t);
  for (std::size_t i = p.checks.size(); i-- > 0;)
    t = z3::ite(m.check_fails[i], c.int_val(outcomes.of("check:" + p.check_infos[i].id)), t);
  return t;
}

std::string outcome_of(const Decision& d) {
  if (!d.eligible()) return "check:" + std::string(d.group_id());
  if (d.group() == UINT32_MAX) return "none";
  return "group:" + std::string(d.group_id());
}

std::string describe_outcome(const std::string& label) {
  if (label == "none") return "no group";
  if (label.starts_with("check:")) return fmt::format("ineligible (`{}`)", label.substr(6));
  return fmt::format("`{}`", label.substr(6));
}

}  // namespace

AnalysisReport diff(const Policy& old_policy, const Policy& new_policy, const AnalysisOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  Analyzer a(options);
  z3::context& c = a.ctx();
  // One text domain for both: a text is the same code in both models.
  auto strings = std::make_shared<const analysis::StringDomain>(
      std::vector<const CompiledPolicy*>{&old_policy.compiled(), &new_policy.compiled()});
  PolicyModel o(c, old_policy, "old.", strings);
  PolicyModel n(c, new_policy, "new.", strings);
  const CompiledPolicy& pn = n.p;
  const CompiledPolicy& po = o.p;
  Outcomes outcomes;
  z3::expr out_o = outcome_term(c, o, outcomes);
  z3::expr out_n = outcome_term(c, n, outcomes);
  std::vector<std::string> notes;
  z3::expr linked = link(c, o, n, notes);
  for (const auto& note : notes)
    a.add("diff-unknown", Severity::note, "", a.at(n, std::string::npos, Severity::note, "", note));
  for (const auto& u : o.unknowns)
    a.unknown(o, "diff-unknown", "", u.offset, fmt::format("{} of the old policy exactly", u.what), u.reason);
  for (const auto& u : n.unknowns)
    a.unknown(n, "diff-unknown", "", u.offset, fmt::format("{} of the new policy exactly", u.what), u.reason);
  const std::vector<z3::expr> base{o.domain(), n.domain(), linked, *o.runs_ok, *n.runs_ok};
  a.set_base(base);

  auto offset_of = [&](const std::string& label) -> std::size_t {
    if (label.starts_with("group:")) {
      auto id = label.substr(6);
      for (std::uint32_t g = 0; g < pn.groups.size(); ++g)
        if (pn.group_infos[g].id == id) return pn.groups[g].offset;
    } else if (label.starts_with("check:")) {
      auto id = label.substr(6);
      for (std::uint32_t i = 0; i < pn.checks.size(); ++i)
        if (pn.check_infos[i].id == id) return pn.checks[i].offset;
    }
    return find_key(pn.source->text(), "groups", "");
  };

  // Movers: every (old outcome, new outcome) pair one applicant can show, one query per pair.
  std::vector<z3::expr> blocked;
  for (int round = 0; round < 400; ++round) {
    std::vector<z3::expr> fs = base;
    fs.push_back(out_o != out_n);
    fs.insert(fs.end(), blocked.begin(), blocked.end());
    Answer ans = a.solve(fs);
    if (ans.result == z3::unsat) break;
    if (ans.result == z3::unknown) {
      a.unknown(n, "diff-unknown", "", find_key(pn.source->text(), "groups", ""), "which applicants change group", ans.reason);
      break;
    }
    const auto from = static_cast<std::size_t>(ans.model->eval(out_o, true).get_numeral_int64());
    const auto to = static_cast<std::size_t>(ans.model->eval(out_n, true).get_numeral_int64());
    blocked.push_back(!(out_o == c.int_val(static_cast<int>(from)) && out_n == c.int_val(static_cast<int>(to))));
    const std::string& a_label = outcomes.labels[from];
    const std::string& b_label = outcomes.labels[to];
    Witness w = analysis::build_witness({&n, &o}, *ans.model, ++a.serial);
    Decision dold, dnew;
    std::string why;
    bool replayed = analysis::replay(old_policy, w, dold, &why) && analysis::replay(new_policy, w, dnew, &why);
    if (!replayed || outcome_of(dold) != a_label || outcome_of(dnew) != b_label) {
      if (why.empty()) why = fmt::format("the evaluators gave {} and {}", outcome_of(dold), outcome_of(dnew));
      a.unknown(n, "diff-unknown", b_label, offset_of(b_label),
                fmt::format("whether applicants move from {} to {}", describe_outcome(a_label), describe_outcome(b_label)),
                !o.unknowns.empty() ? Analyzer::replay_failure(o, why) : Analyzer::replay_failure(n, why));
      continue;
    }
    Diagnostic d = a.at(n, offset_of(b_label), Severity::note, "",
                        fmt::format("applicants move from {} (old) to {} (new)", describe_outcome(a_label),
                                    describe_outcome(b_label)));
    auto& f = a.add("diff-group", Severity::note, b_label, std::move(d));
    f.related = {a_label};
    a.attach(f, w);
  }

  // Points items whose value changes, for applicants eligible under both.
  for (std::uint32_t j = 0; j < pn.points_items.size(); ++j) {
    const std::string& id = pn.points_infos[j].id;
    std::uint32_t i = UINT32_MAX;
    for (std::uint32_t k = 0; k < po.points_items.size(); ++k)
      if (po.points_infos[k].id == id) i = k;
    if (i == UINT32_MAX) {
      a.add("diff-points", Severity::note, id,
            a.at(n, pn.points_items[j].offset, Severity::note, "", fmt::format("points item `{}` is new", id)));
      continue;
    }
    std::vector<z3::expr> fs = base;
    fs.push_back(*o.eligible);
    fs.push_back(*n.eligible);
    fs.push_back(o.item_value[i] != n.item_value[j]);
    Answer ans = a.solve(fs);
    if (ans.result == z3::unsat) continue;
    if (ans.result == z3::unknown) {
      a.unknown(n, "diff-unknown", id, pn.points_items[j].offset, fmt::format("whether points item `{}` changes", id), ans.reason);
      continue;
    }
    Witness w = analysis::build_witness({&n, &o}, *ans.model, ++a.serial);
    Decision dold, dnew;
    std::string why;
    bool replayed = analysis::replay(old_policy, w, dold, &why) && analysis::replay(new_policy, w, dnew, &why);
    if (!replayed || !dold.eligible() || !dnew.eligible() || dold.breakdown()[i].value == dnew.breakdown()[j].value) {
      if (why.empty()) why = "the evaluators gave the same value";
      a.unknown(n, "diff-unknown", id, pn.points_items[j].offset, fmt::format("whether points item `{}` changes", id),
                !o.unknowns.empty() ? Analyzer::replay_failure(o, why) : Analyzer::replay_failure(n, why));
      continue;
    }
    Diagnostic d = a.at(n, pn.points_items[j].offset, Severity::note, "",
                        fmt::format("points item `{}` changes: for example {} (old) becomes {} (new)", id,
                                    dold.breakdown()[i].value.to_string(), dnew.breakdown()[j].value.to_string()));
    auto& f = a.add("diff-points", Severity::note, id, std::move(d));
    a.attach(f, w);
  }
  for (std::uint32_t i = 0; i < po.points_items.size(); ++i) {
    bool kept = false;
    for (const auto& info : pn.points_infos) kept = kept || info.id == po.points_infos[i].id;
    if (!kept)
      a.add("diff-points", Severity::note, po.points_infos[i].id,
            a.at(o, po.points_items[i].offset, Severity::note, "",
                 fmt::format("points item `{}` was removed", po.points_infos[i].id)));
  }
  a.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::move(a.report);
}

}  // namespace admit
