"""Self-contained HTML for the run report and the comparison report.

One file, CSS inline, every chart an ``<img>`` with a base64 ``data:`` URI: it opens offline and
can be mailed as is. Every value is escaped.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence

import pandas as pd

from alvh.report.analysis import RunAnalysis
from alvh.report.bootstrap import Estimate
from alvh.report.charts import CHARTS

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0;font-size:.85em}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right;vertical-align:top}
th{background:#f4f4f4}td.l,th.l{text-align:left}
.holds{background:#d5f5e3}.does-not-hold{background:#fadbd8}.inconclusive{background:#fcf3cf}
.depends{background:#fdebd0}.n-a{color:#888}
img{max-width:100%;display:block;margin:.5em 0}.note{color:#555;font-size:.85em}
code{background:#f4f4f4;padding:0 3px}
"""


def esc(v: object) -> str:
    """Return ``v`` as escaped text."""
    return html.escape(str(v), quote=True)


def num(v: object, fmt: str = "{:,.2f}") -> str:
    """Return a formatted number, ``n/a`` for NaN/None."""
    if v is None:
        return "n/a"
    if isinstance(v, int | float):
        return fmt.format(v) if math.isfinite(float(v)) else "n/a"
    return esc(v)


def est(e: Estimate, scale: float = 1.0, fmt: str = "{:,.2f}") -> str:
    """Return ``value [lo, hi]`` of an estimate, or ``n/a (reason)``."""
    if not e.defined:
        return f"n/a ({esc(e.reason)})" if e.reason else "n/a"
    s = num(e.value * scale, fmt)
    if math.isfinite(e.lo):
        s += f" [{num(e.lo * scale, fmt)}, {num(e.hi * scale, fmt)}]"
    return s


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """Return an HTML table; the first ``left`` columns are left-aligned; cells are HTML."""

    def cls(i: int) -> str:
        return ' class="l"' if i < left else ""

    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def img(png: bytes, alt: str) -> str:
    """Return an ``<img>`` embedding PNG bytes as a data URI."""
    b64 = base64.b64encode(png).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{b64}">'


def frame_table(frame: pd.DataFrame, fmt: str = "{:,.2f}", left: int = 1) -> str:
    """Return a DataFrame as an HTML table (numbers formatted, text escaped)."""
    rows = [
        [num(v, fmt) if isinstance(v, int | float) else esc(v) for v in r]
        for r in frame.itertuples(index=False)
    ]
    return table([str(c) for c in frame.columns], rows, left)


def page(title: str, body: str) -> str:
    """Return a whole HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def verdict_cell(v: str) -> str:
    """Return a table cell body coloured by verdict."""
    return f'<span class="{esc(v.replace(" ", "-").replace("/", "-"))}">{esc(v)}</span>'


def _summary_section(a: RunAnalysis) -> str:
    names = {
        "hedged": "hedged (ALVH)",
        "unhedged": "unhedged twin",
        "scaled_mean": f"unhedged x {a.scaled[0].factor:.3f} (same mean return)",
        "scaled_cvar": f"unhedged x {a.scaled[1].factor:.3f} (same CVaR 95%)",
    }
    rows = []
    for book, iv in a.intervals.items():
        if book == "difference":
            continue
        rows.append(
            [esc(names.get(book, book))]
            + [est(iv[m]) for m in ("cagr_pct", "volatility_pct", "sharpe", "max_drawdown_pct")]
        )
    out = table(["book", "CAGR %", "volatility %", "Sharpe", "max drawdown %"], rows)
    for sb in a.scaled:
        if not sb.defined:
            out += f'<p class="note">{esc(sb.name)}: undefined ({esc(sb.reason)}).</p>'
    d = a.intervals.get("difference", {})
    if d:
        out += "<p>Hedged minus unhedged (paired bootstrap on the same resampled days): "
        out += f"CAGR {est(d['cagr_pct_diff'])} percentage points; max drawdown "
        out += f"{est(d['max_drawdown_pct_diff'])} points; drawdown reduction "
        out += f"{est(d['dd_reduction'], 100.0)}%.</p>"
    return out


def _claims_section(a: RunAnalysis) -> str:
    rows = []
    for c in a.claims:
        scale = 100.0 if c.unit == "fraction" else 1.0
        unit = "%" if c.unit == "fraction" else f" {c.unit}"
        rows.append(
            [
                str(c.number),
                esc(c.claim),
                verdict_cell(c.verdict),
                est(c.estimate, scale) + esc(unit),
                esc(c.detail),
                esc(c.basis),
            ]
        )
    return table(["#", "claim", "verdict", "estimate [95% CI]", "numbers", "basis"], rows, 2)


def _honest_section(a: RunAnalysis) -> str:
    sm = a.scaled[0]
    if not sm.defined:
        return f"<p>The same-return unhedged book is undefined: {esc(sm.reason)}.</p>"
    h = a.intervals["hedged"]["max_drawdown_pct"]
    s = a.intervals["scaled_mean"]["max_drawdown_pct"]
    better = "smaller" if h.value > s.value else "larger"
    return (
        f"<p>Instead of hedging, trade {sm.factor:.3f} times the unhedged book (the rest in cash): "
        f"it has the hedged book's mean daily return. Its max drawdown is {est(s)}% against the "
        f"hedged book's {est(h)}%: the hedged book's drawdown is <b>{better}</b>. "
        f"{'The hedge adds protection a smaller position cannot.' if better == 'smaller' else 'A smaller unhedged book does as well or better for the same return.'}</p>"
    )


def render_report_html(a: RunAnalysis, charts: dict[str, bytes]) -> str:
    """Return the run report as one self-contained HTML document."""
    run = a.run
    s = run.summary
    period = s.get("period") or {}
    head = (
        f"<h1>alvh evidence report: {esc(run.label)}</h1>"
        f'<p class="note">run id <code>{esc(run.run_id)}</code>; alvh {esc(s.get("alvh_version", "?"))}; '
        f"data {esc(run.data_description)}; period {esc(period)}; capital base "
        f"{num(run.capital_base_usd, '{:,.0f}')} USD; notional base {esc(run.notional_base)}.</p>"
    )
    parts = [head, "<h2>Summary (95% block-bootstrap intervals)</h2>", _summary_section(a)]
    parts += ["<h2>The claims (SPEC 4)</h2>", _claims_section(a)]
    parts += ["<h2>The honest alternative</h2>", _honest_section(a)]
    for name, png in charts.items():
        parts += [f"<h2>{esc(CHARTS[name][0] if name in CHARTS else name)}</h2>", img(png, name)]
    parts.append("<h2>Stress windows</h2>")
    parts.append(
        frame_table(a.stress)
        if not a.stress.empty
        else "<p>No named stress window inside the run's period.</p>"
    )
    parts.append("<h2>Macro events (FOMC, CPI, PPI)</h2>")
    if a.events_study.empty:
        parts.append("<p>No macro-event table was available to this report.</p>")
    else:
        from alvh.report.events import event_study_means

        parts.append("<p>Averages by kind (close to close on the event session):</p>")
        parts.append(frame_table(event_study_means(a.events_study)))
        parts.append(
            f"<details><summary>All {len(a.events_study)} event sessions</summary>"
            + frame_table(a.events_study, left=2)
            + "</details>"
        )
    if len(a.hedge_cost_monthly_pct):
        m = a.hedge_cost_monthly_pct
        parts.append("<h2>Net hedge cost by month (% of capital)</h2>")
        parts.append(
            "<details><summary>Monthly series</summary>"
            + table(["month", "cost %"], [[str(k), num(v)] for k, v in m.items()])
            + "</details>"
        )
    parts.append(
        '<p class="note">Definitions: docs/report.md. Hedge P&amp;L is net of its own fees and '
        "spread; costs are shown for information and are already inside the P&amp;L.</p>"
    )
    return page(f"alvh report {run.run_id}", "\n".join(parts))


def render_comparison_html(
    rows: list[dict[str, object]], overlay_png: bytes, extra_html: str = ""
) -> str:
    """Return the comparison report of several runs as one HTML document.

    ``extra_html`` (already escaped) goes between the table and the overlay chart.
    """
    headers = ["run", "condor sizing", "CAGR %", "over cash %", "max DD %", "DD cut vs no hedge %"]
    headers += ["Sharpe", "same-return book max DD %", "hedge cost %/month", "costs % of credit"]
    headers += ["drawdown claim", "surprise-loss claim", "hedge-cost claim"]
    body = []
    for r in rows:
        red = r.get("vs_none_dd_reduction")
        on = bool(r.get("hedge_enabled"))
        body.append(
            [
                esc(r["label"]) + f'<br><code class="note">{esc(str(r["run_id"])[:12])}</code>',
                esc(r.get("sizing_label") or "?"),
                num(r["cagr_pct"]),
                num(r.get("excess_cagr_pct")),
                num(r["max_drawdown_pct"]),
                num(float(red) * 100.0 if isinstance(red, int | float) and on else None),
                num(r["sharpe"]),
                num(r.get("scaled_mean_max_drawdown_pct")),
                num(r["hedge_cost_pct_per_month"], "{:.3f}") if on else "n/a",
                num(r.get("costs_pct_of_credit"), "{:.1f}"),
            ]
            + [band_cell(r, i) for i in (1, 2, 3)]
        )
    cash = next((r.get("cash_cagr_pct") for r in rows if r.get("cash_cagr_pct") is not None), None)
    notes = [str(r["twin_sizing_note"]) for r in rows if r.get("twin_sizing_note")]
    parts = ["<h1>alvh comparison</h1>", table(headers, body, 2)]
    parts.append(
        f'<p class="note">Cash alone (T-bills) compounded at {num(cash)}% a year; "over cash" is '
        "each book's CAGR over it. DD cut vs no hedge: 1 - maxDD(hedged) / maxDD(the run "
        "without a hedge), both sized on their own equity (matched risk). Costs: spread and "
        "fees in % of the condor credit collected. Claims: the verdict across the run's band of "
        "assumptions when one ran (hover for every run), else the single run's.</p>"
    )
    if notes:
        parts.append('<p class="note">' + "<br>".join(esc(n) for n in notes) + "</p>")
    parts += [extra_html, img(overlay_png, "equity overlay")]
    parts.append(
        '<p class="note">Each row is one run directory; its own report holds the intervals. '
        "Definitions: docs/report.md.</p>"
    )
    return page("alvh comparison", "\n".join(parts))


def band_cell(r: dict[str, object], n: int) -> str:
    """Return a claim's cell: the band verdict (every run in the tooltip) or the run's own."""
    if not r.get("hedge_enabled"):
        return verdict_cell("n/a")
    kind = r.get(f"claim{n}_band_kind")
    if not isinstance(kind, str):
        return verdict_cell(str(r.get(f"claim{n}")))
    runs = r.get("band_scenarios")
    tip = ""
    if isinstance(runs, list):
        tip = "; ".join(
            f"{'base' if s['axis'] == 'base' else s['axis'] + ': ' + s['level']}: {s[f'claim{n}']}"
            for s in runs
        )
    cls = {"holds": "holds", "fails": "does-not-hold", "inconclusive": "inconclusive"}
    return (
        f'<span class="{cls.get(kind, "depends")}" title="{esc(tip)}">'
        f"{esc(r.get(f'claim{n}_band'))}</span>"
    )
