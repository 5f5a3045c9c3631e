// admit explain POLICY --applicant FILE.json: a readable account of one decision, with Chinese
// labels (and ids): eligibility, the group and why, the points item by item, the certificates.
// Every resident ID number in the output is masked.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/diagnostic.hpp"
#include "admit/policy.hpp"
#include "admit/resident_id.hpp"
#include "cli/commands.hpp"

namespace admit::internal::cli {

namespace {

std::string_view status_label(CertificateStatus status) noexcept {
  switch (status) {
    case CertificateStatus::verified: return "已核验 (verified by data sharing)";
    case CertificateStatus::submitted: return "已上传 (submitted)";
    case CertificateStatus::substituted: return "替代材料 (substituted)";
    case CertificateStatus::missing: return "缺少 (missing)";
  }
  return "?";
}

// "标签 [id]", or just the id when there is no label.
std::string named(std::string_view label, std::string_view id) {
  if (label.empty() || label == id) return std::string(id);
  return fmt::format("{} [{}]", label, id);
}

class Explainer {
 public:
  Explainer(const Policy& policy, const Applicant& applicant, const Decision& decision, Style style)
      : policy_(policy), applicant_(applicant), d_(decision), s_(style) {}

  std::string run() {
    header();
    eligibility();
    group();
    points();
    certificates();
    return out_;
  }

 private:
  void line(std::string_view text) {
    out_.append(text);
    out_.push_back('\n');
  }

  std::string mark(bool ok) const { return ok ? s_.green("✓") : s_.red("✗"); }

  // The condition, the values it saw and where it is written, indented under an entry.
  void details(const TraceEntry& t, std::string_view indent) {
    if (!t.expression.empty()) line(fmt::format("{}条件 (condition): {}", indent, t.expression));
    if (!t.values_seen.empty()) line(fmt::format("{}所见值 (values seen): {}", indent, t.values_seen));
    if (!t.location.empty()) line(fmt::format("{}{}", indent, s_.dim(fmt::format("位置 (at): {}", t.location))));
  }

  void header() {
    const PolicyMetadata& m = policy_.metadata();
    line(s_.bold(fmt::format("政策 (policy): {}", named(m.title, m.id))));
    if (!m.jurisdiction.empty()) line(fmt::format("发布机关 (jurisdiction): {}", m.jurisdiction));
    const std::string& id = applicant_.id();
    line(fmt::format("申请人 (applicant): {}", id.empty() ? std::string("(无 id)") : mask_resident_id(id)));
    line("");
  }

  void eligibility() {
    const auto& checks = policy_.eligibility_checks();
    line(s_.bold("一、入学资格 (eligibility): ") +
         (d_.eligible() ? s_.green("符合 (eligible)") : s_.red("不符合 (not eligible)")));
    if (d_.failed_check() < checks.size()) {
      const CheckInfo& c = checks[d_.failed_check()];
      line(fmt::format("  {} {}", mark(false), named(c.label, c.id)));
      if (!c.reason.empty()) line(fmt::format("      原因 (reason): {}", c.reason));
    }
    bool any = false;
    for (const TraceEntry& t : d_.trace()) {
      if (t.kind != TraceKind::eligibility) continue;
      if (t.index == d_.failed_check() && !t.result) {
        details(t, "      ");
        any = true;
        continue;
      }
      const std::string name = t.index < checks.size() ? named(checks[t.index].label, checks[t.index].id) : t.subject;
      line(fmt::format("  {} {}{}", mark(t.result), name, t.result ? " — 已通过 (passed)" : ""));
      details(t, "      ");
      any = true;
    }
    if (!any && checks.empty()) line("  (本政策无资格条件 no eligibility checks)");
    line("");
  }

  void group() {
    const auto& groups = policy_.groups();
    if (!d_.eligible()) {
      line(s_.bold(fmt::format("二、分组 (group): 不适用，不符合入学资格 (not eligible: {})", d_.group_id())));
      line("");
      return;
    }
    if (d_.group() < groups.size()) {
      const GroupInfo& g = groups[d_.group()];
      line(s_.bold(fmt::format("二、分组 (group): {}，第 {} 顺位 (rank {})", named(g.label, g.id), d_.rank(), d_.rank())));
    } else {
      line(s_.bold("二、分组 (group): 无匹配分组，转人工审核 (no group matched: manual review)"));
    }
    line("  按顺序检查各组条件，先满足者入组 (conditions in order, first match wins):");
    for (const TraceEntry& t : d_.trace()) {
      if (t.kind != TraceKind::group) continue;
      std::string name = t.subject;
      std::uint32_t rank = 0;
      if (t.index < groups.size()) {
        name = named(groups[t.index].label, groups[t.index].id);
        rank = groups[t.index].rank != 0 ? groups[t.index].rank : t.index + 1;
      }
      line(fmt::format("  {} {}. {}{}", mark(t.result), rank, name,
                       t.result ? " — 满足，入此组 (matched)" : " — 不满足 (no)"));
      details(t, "      ");
    }
    tie_break();
    line("");
  }

  // The within-group order: which keys rank this applicant among the others of the group.
  void tie_break() {
    const auto& keys = policy_.tie_break(d_.group());
    if (d_.sort_key().empty()) return;
    line(fmt::format("  组内排序 (tie-break), 排序键 (sort key) [{}]:", fmt::join(d_.sort_key(), ", ")));
    for (std::size_t i = 0; i < keys.size(); ++i) {
      line(fmt::format("    {}. {} = {} ({})", i + 1, named(keys[i].label, keys[i].id), d_.sort_key_text(i + 1),
                       keys[i].descending ? "大者优先 (larger first)" : "小者优先 (smaller first)"));
    }
  }

  void points() {
    const auto& items = policy_.points_items();
    line(s_.bold("三、积分 (points)"));
    for (const PointsLine& pl : d_.breakdown()) {
      const PointsItemInfo* item = pl.item < items.size() ? &items[pl.item] : nullptr;
      const std::string name = item != nullptr ? named(item->label, item->id) : fmt::format("#{}", pl.item);
      std::string text;
      if (!pl.applied) {
        text = fmt::format("  {}: 0，不计入 (not applied: its condition does not hold)", name);
      } else {
        text = fmt::format("  {}: {}", name, pl.value.to_string());
        if (pl.raw != pl.value) {
          text += fmt::format("（原始 raw {}，封顶 capped", pl.raw.to_string());
          if (item != nullptr && item->cap) text += fmt::format(" at {}", item->cap->to_string());
          text += "）";
        } else if (item != nullptr && item->cap) {
          text += fmt::format("（上限 cap {}）", item->cap->to_string());
        }
      }
      line(text);
      for (const TraceEntry& t : d_.trace()) {
        if (t.kind == TraceKind::points && t.index == pl.item && !t.values_seen.empty())
          line(fmt::format("      所见值 (values seen): {}", t.values_seen));
      }
    }
    std::string total = fmt::format("  合计 (total): {}", s_.bold(d_.points().to_string()));
    if (d_.points_uncapped() != d_.points())
      total += fmt::format("（未封顶 uncapped {}，总上限 total cap {}）", d_.points_uncapped().to_string(),
                           policy_.points_cap() ? policy_.points_cap()->to_string() : d_.points().to_string());
    else if (policy_.points_cap())
      total += fmt::format("（总上限 total cap {}）", policy_.points_cap()->to_string());
    line(total);
    line("");
  }

  void certificates() {
    const auto& certs = policy_.certificates();
    line(s_.bold("四、证件材料 (certificates)"));
    if (d_.certificates().empty()) line("  (无需材料 none required)");
    for (const RequiredCertificate& rc : d_.certificates()) {
      const CertificateInfo* c = rc.certificate < certs.size() ? &certs[rc.certificate] : nullptr;
      const std::string name = c != nullptr ? named(c->label, c->id) : fmt::format("#{}", rc.certificate);
      std::string status(status_label(rc.status));
      if (rc.status == CertificateStatus::missing) status = s_.red(status);
      else status = s_.green(status);
      std::string text = fmt::format("  {}: {}", name, status);
      if (rc.status == CertificateStatus::verified && c != nullptr && !c->verified_by.empty())
        text += fmt::format("，核验来源 (source): {}", c->verified_by);
      if (rc.status == CertificateStatus::missing && c != nullptr)
        text += c->verified_by.empty() ? "，须家长上传 (the family must upload it)"
                                       : fmt::format("，可由{}核验或家长上传", c->verified_by);
      line(text);
      for (const TraceEntry& t : d_.trace()) {
        if (t.kind == TraceKind::substitute && t.index == rc.certificate)
          line(fmt::format("      {} 替代 (substitute): {}", mark(t.result), t.subject));
      }
    }
    bool header = false;
    for (const TraceEntry& t : d_.trace()) {
      if (t.kind != TraceKind::requirement || t.result) continue;
      if (!header) {
        line("  条件不成立、不需要的材料 (conditional requirements that do not apply):");
        header = true;
      }
      const std::string name =
          t.index < certs.size() ? named(certs[t.index].label, certs[t.index].id) : t.subject;
      line(fmt::format("    - {}: {}", name, t.expression));
    }
    const std::size_t missing = d_.missing_count();
    if (missing != 0)
      line(s_.red(fmt::format("  缺少 {} 项材料 (missing): {}", missing, fmt::join(d_.missing_ids(), ", "))));
    else if (!d_.certificates().empty())
      line(s_.green("  材料齐全 (all required certificates present)"));
  }

  const Policy& policy_;
  const Applicant& applicant_;
  const Decision& d_;
  Style s_;
  std::string out_;
};

}  // namespace

int run_explain(const ExplainOptions& options) {
  const CompileResult compiled = compile_file(options.policy);
  if (!compiled.ok()) {
    std::fputs(render_text(compiled.diagnostics, RenderOptions{use_color(options.color, STDERR_FILENO)}).c_str(),
               stderr);
    std::fprintf(stderr, "admit explain: error: %s: the policy has errors\n", options.policy.c_str());
    return kExitUsage;
  }
  const Policy& policy = *compiled.policy;

  std::string text;
  std::string io_error;
  if (!read_whole_file(options.applicant, text, io_error)) {
    std::fprintf(stderr, "admit explain: error: %s: %s\n", display_name(options.applicant).c_str(),
                 io_error.c_str());
    return kExitUsage;
  }
  Applicant applicant(policy);
  admit::Context context(policy);
  if (std::string error; !load_context(options.context, context, error)) {
    std::fprintf(stderr, "admit explain: error: %s\n", error.c_str());
    return kExitUsage;
  }
  applicant.use_context(&context);
  BindError bind_error;
  if (!applicant.bind_json(text, &bind_error)) {
    std::fprintf(stderr, "%s: error: %s\n", display_name(options.applicant).c_str(),
                 format_bind_error(bind_error).c_str());
    return kExitFailure;
  }
  Decision decision;
  policy.evaluate_with_trace(applicant, decision);
  if (!decision.ok()) {
    std::fprintf(stderr, "%s: error: %s\n", display_name(options.applicant).c_str(),
                 mask_ids_in_text(decision.error()).c_str());
    return kExitFailure;
  }
  const Style style{use_color(options.color, STDOUT_FILENO)};
  const std::string out = mask_ids_in_text(Explainer(policy, applicant, decision, style).run());
  if (!write_all(stdout, out) || std::fflush(stdout) != 0) {
    std::fputs("admit explain: error: cannot write to standard output\n", stderr);
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace admit::internal::cli
