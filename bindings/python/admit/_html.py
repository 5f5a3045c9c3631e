"""HTML rendering of a Decision for Jupyter (``Decision._repr_html_``), with Chinese labels."""

from __future__ import annotations

from html import escape
from typing import Any, List

_STATUS = {"verified": "已核验", "submitted": "已提交", "substituted": "已替代", "missing": "缺少"}
_KIND = {"eligibility": "资格审核", "group": "类别", "points": "积分", "requirement": "材料要求", "substitute": "替代材料"}
_STYLE = "border-collapse:collapse;margin:4px 0"
_CELL = "border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top"


def _table(caption: str, header: List[str], rows: List[List[str]]) -> str:
    head = "".join(f'<th style="{_CELL}">{escape(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in row) + "</tr>" for row in rows)
    return (f'<table style="{_STYLE}"><caption style="text-align:left;font-weight:bold">{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def decision_html(d: Any) -> str:
    """An HTML explanation: summary, 积分明细, 证明材料 and the 判断过程 (trace)."""
    if d.error is not None:
        return f'<div><b>无法评估 (error)</b>: {escape(str(d.error))}</div>'
    if d.eligible:
        group = f"{escape(d.group_label)} <code>{escape(d.group)}</code>" if d.group else "未匹配类别 (人工审核)"
    else:
        group = f"不符合条件: {escape(d.group_label or '')} <code>{escape(d.group or '')}</code>"
    summary = [
        ["是否符合条件", "是" if d.eligible else "否"],
        ["录取类别", group],
        ["录取顺位", escape(str(d.rank)) if d.rank else "—"],
        ["总积分", f"<b>{escape(str(d.points))}</b>"],
    ]
    if not d.eligible and d.failed_reason:
        summary.append(["原因", escape(d.failed_reason)])
    if d.missing:
        summary.append(["缺少材料", escape(", ".join(d.missing))])
    if d.sort_key:
        # The tie-break values as people read them (the rank, then the group's keys).
        summary.append(["组内排序键 (sort key)", escape(" → ".join(d.sort_key_text or []))])
    parts = [_table("评估结果", ["项目", "结果"], summary)]
    lines = [[escape(i), escape(label), escape(str(value)), escape(str(raw)), "是" if applied else "否"]
             for i, label, raw, value, applied in d.lines or []]
    if lines:
        parts.append(_table("积分明细", ["积分项", "名称", "得分", "封顶前", "条件成立"], lines))
    certs = [[escape(c), escape(label), escape(_STATUS.get(status, status))] for c, label, status in d.certificates or []]
    if certs:
        parts.append(_table("证明材料", ["材料", "名称", "状态"], certs))
    trace = [[escape(_KIND.get(t["kind"], t["kind"])), escape(t["subject"]), f"<code>{escape(t['expression'])}</code>",
              "是" if t["result"] else "否", escape(t["values_seen"]), escape(t["location"])]
             for t in d.trace or []]
    if trace:
        parts.append(_table("判断过程", ["环节", "对象", "条件", "结果", "取值", "位置"], trace))
    return "<div>" + "".join(parts) + "</div>"
