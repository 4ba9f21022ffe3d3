"""The run report as one self-contained HTML tear sheet (built on ``alvh.report.html``).

Sections, in order: what the run is (data, period, sizing); key figures per book beside the
SPX benchmark (CAGR and its excess over cash, Sharpe and Sortino over cash, Calmar, drawdown,
months); cash, costs and condor risk; the bootstrap summary; the three claims in plain words;
the honest alternative; the charts; the ten worst drawdowns of each book; monthly returns by
year; stress windows (split into three narrow tables so they fit a 1,400-pixel screen); macro
events; the monthly hedge cost.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd

from alvh.report.analysis import RunAnalysis
from alvh.report.charts import CHARTS, benchmark_curves
from alvh.report.excess import cash_index, excess_and_costs
from alvh.report.html import esc, est, img, num, page, table, verdict_cell
from alvh.report.matched import SIZING_LABEL, sizing_convention, twin_sizing_note
from alvh.report.perf import month_year_table, ratios, top_drawdowns

CLAIM_TITLE = {
    1: "Drawdown cut in moderate stress",
    2: "Losses in surprise regimes",
    3: "What the hedge costs",
}
# Words that count things: shown as integers.
COUNT_WORDS = ("count", "sessions", "contracts", "windows", "rank", "months", "n_")


def book_name(a: RunAnalysis, book: str) -> str:
    """Return a book's name in plain words."""
    names = {
        "hedged": "hedged book (with the hedge)",
        "unhedged": "unhedged twin (same condors, no hedge)",
        "scaled_mean": f"smaller unhedged book, {a.scaled[0].factor:.2f}x (same mean return)",
        "scaled_cvar": f"smaller unhedged book, {a.scaled[1].factor:.2f}x (same tail loss, CVaR 95%)",
    }
    return names.get(book, book)


def _is_count(column: str) -> bool:
    c = column.lower()
    return c == "n" or any(w in c for w in COUNT_WORDS)


def _plain(column: str) -> str:
    """Return a column name in words: ``hedged_max_dd_pct`` -> ``hedged max dd %``."""
    c = column.replace("_pct", " %").replace("_usd", " USD").replace("pnl", "P&L")
    return c.replace("_", " ")


def nice_table(frame: pd.DataFrame, fmt: str = "{:,.2f}", left: int = 1) -> str:
    """Return a DataFrame as an HTML table: counts as integers, other numbers with ``fmt``."""
    counts = {c for c in frame.columns if _is_count(str(c))}

    def cell(col: str, v: object) -> str:
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            return "n/a"
        if col == "year" and isinstance(v, int | float | np.integer | np.floating):
            return str(round(float(v)))
        if isinstance(v, int | np.integer) or (col in counts and isinstance(v, float)):
            return f"{round(float(v)):,d}"
        if isinstance(v, float | np.floating):
            return num(float(v), fmt)
        return esc(v)

    cols = [str(c) for c in frame.columns]
    rows = [
        [cell(c, v) for c, v in zip(cols, r, strict=True)] for r in frame.itertuples(index=False)
    ]
    return table([_plain(c) for c in cols], rows, left)


def _header(a: RunAnalysis) -> str:
    run, s = a.run, a.run.summary
    period_v, data_v = s.get("period"), s.get("data")
    period: dict[str, object] = period_v if isinstance(period_v, dict) else {}
    d: dict[str, object] = data_v if isinstance(data_v, dict) else {}
    span = f"{period.get('start', '?')} to {period.get('end', '?')}" if period else "?"
    sizing = SIZING_LABEL[sizing_convention(run)]
    desc, data_id = str(d.get("description", "?")), str(d.get("data_id"))
    # The description of a store already names its data id: say it once.
    ident = "" if data_id in desc else f" (data id <code>{esc(data_id)}</code>)"
    synthetic = (
        "<p><b>SYNTHETIC DATA</b>: this run used the seeded synthetic market, not market "
        "history; its figures say nothing about the real market.</p>"
        if d.get("kind") == "synthetic"
        else ""
    )
    return (
        f"<h1>alvh report: {esc(run.label)}</h1>{synthetic}"
        f"<p>Data: {esc(desc)}{ident}. "
        f"Period: {esc(span)} ({len(run.equity)} sessions). Capital {num(run.capital_base_usd, '{:,.0f}')} "
        f"USD. Condor sizing: {esc(sizing)}. Hedge notional base: {esc(run.notional_base)}.</p>"
        f'<p class="note">run id <code>{esc(run.run_id)}</code>; alvh {esc(s.get("alvh_version", "?"))}</p>'
    )


def _key_figures(a: RunAnalysis) -> str:
    eq = a.run.equity
    cash = cash_index(eq)
    curves = {
        book_name(a, "hedged"): a.books["hedged"],
        book_name(a, "unhedged"): a.books["unhedged"],
    }
    curves |= benchmark_curves(a)
    figs = {name: ratios(c, cash) for name, c in curves.items()}
    metrics = list(next(iter(figs.values())))
    rows = [[esc(m)] + [num(figs[n][m]) for n in figs] for m in metrics]
    note = (
        '<p class="note">Sharpe and Sortino are of the daily return over cash (the run\'s '
        "T-bill rate), annualised with 252 sessions; Calmar is CAGR over the max drawdown. The "
        "SPX line is the price index grown at a constant 1.8% dividend yield (an approximation of "
        "total return); the CBOE PutWrite index, when its file is present, is a short-volatility "
        "reference, not a condor index.</p>"
    )
    return table(["", *figs], rows) + note


def _cash_and_costs(a: RunAnalysis) -> str:
    eq, condors = a.run.equity, a.run.condors
    books = ("hedged", "unhedged")
    ex = {b: excess_and_costs(eq, condors, b) for b in books}
    spec = (
        ("cash alone, CAGR %", "cash_cagr_pct", "{:.2f}"),
        ("CAGR over cash %", "excess_cagr_pct", "{:.2f}"),
        ("mean annual return over cash %", "mean_annual_excess_pct", "{:.2f}"),
        ("interest earned on cash, USD", "interest_usd", "{:,.0f}"),
        ("interest, % of the book's P&L", "interest_share_of_pnl_pct", "{:.0f}"),
        ("costs paid (spread and fees), USD", "costs_usd", "{:,.0f}"),
        ("of which condors, USD", "condor_costs_usd", "{:,.0f}"),
        ("of which hedges, USD", "hedge_costs_usd", "{:,.0f}"),
        ("costs, % of condor credit collected", "costs_pct_of_credit", "{:.1f}"),
        ("costs, % of mean equity a year", "costs_pct_of_equity_per_year", "{:.2f}"),
        ("condor max loss, % of own equity (mean)", "condor_max_loss_pct_of_equity_mean", "{:.1f}"),
        ("condor max loss, % of own equity (peak)", "condor_max_loss_pct_of_equity_peak", "{:.1f}"),
    )
    rows = [[esc(t)] + [num(ex[b].get(k), f) for b in books] for t, k, f in spec]
    out = table(["", book_name(a, "hedged"), book_name(a, "unhedged")], rows)
    out += (
        '<p class="note">Both books earn the same rate on their own cash (ACT/360). Costs are '
        "already inside every P&amp;L figure; they are shown here on their own line. Condor "
        "credit is as booked (net of the entry slippage).</p>"
    )
    if sizing_convention(a.run) == "unhedged" and a.run.hedge_enabled:
        note = twin_sizing_note(a.run.label, ex["hedged"])
        out += f"<p><b>Twin sizing.</b> {esc(note)}.</p>"
    proxies = list(_proxy_counts(a.run.summary))
    if proxies:
        out += (
            "<p>Settlement on a proxy: "
            + "; ".join(f"{esc(k)}: {int(v):,d}" for k, v in proxies)
            + ".</p>"
        )
    return out


def _proxy_counts(d: object, prefix: str = "") -> Iterator[tuple[str, int]]:
    """Yield integer counts in summary.json whose key names a settlement proxy."""
    if isinstance(d, dict):
        for k, v in sorted(d.items()):
            key = f"{prefix}{k}"
            if "proxy" in str(k).lower() and isinstance(v, int) and not isinstance(v, bool):
                yield key.replace("_", " "), v
            elif isinstance(v, dict) and k != "config":
                yield from _proxy_counts(v, key + ".")


def _summary_section(a: RunAnalysis) -> str:
    rows = []
    for book, iv in a.intervals.items():
        if book == "difference":
            continue
        rows.append(
            [esc(book_name(a, book))]
            + [est(iv[m]) for m in ("cagr_pct", "volatility_pct", "sharpe", "max_drawdown_pct")]
        )
    out = table(["book", "CAGR %", "volatility %", "Sharpe (raw)", "max drawdown %"], rows)
    for sb in a.scaled:
        if not sb.defined:
            out += f'<p class="note">{esc(sb.name)}: undefined ({esc(sb.reason)}).</p>'
    d = a.intervals.get("difference", {})
    if d:
        out += "<p>Hedged minus unhedged twin (paired bootstrap on the same resampled days): "
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
                esc(CLAIM_TITLE.get(c.number, str(c.number))),
                esc(c.claim),
                verdict_cell(c.verdict),
                est(c.estimate, scale) + esc(unit) if c.verdict != "n/a" else "n/a",
                esc(c.detail),
                esc(c.basis),
            ]
        )
    heads = ["claim", "what is claimed", "verdict", "estimate [95% interval]", "numbers", "basis"]
    return table(heads, rows, 6)


def _drawdowns(a: RunAnalysis) -> str:
    out = ""
    for b in ("hedged", "unhedged"):
        out += f"<h3>{esc(book_name(a, b))}</h3>"
        out += nice_table(top_drawdowns(a.books[b], 10), "{:,.1f}", 4)
    return out


def _monthly_table(a: RunAnalysis) -> str:
    t = month_year_table(a.books["hedged"]).reset_index()
    return nice_table(t, "{:.1f}")


def _stress(a: RunAnalysis) -> str:
    st = a.stress
    if st.empty:
        return "<p>No named stress window inside the run's period.</p>"
    books = [b for b in a.books if f"{b}_return_pct" in st.columns]
    out = ""
    parts = (
        ("Return over the window, %", "_return_pct"),
        ("Largest fall inside the window, % of the peak", "_max_dd_pct"),
        ("Largest fall inside the window, % of capital", "_loss_pct_of_capital"),
    )
    for title, suffix in parts:
        heads = ["window", "from", "to"] + [book_name(a, b) for b in books]
        rows = []
        for r in st.itertuples(index=False):
            d = r._asdict()
            rows.append(
                [esc(d["window"]), esc(d["start"]), esc(d["end"])]
                + [num(d[f"{b}{suffix}"], "{:,.1f}") for b in books]
            )
        if suffix == "_return_pct":
            heads.append("hedge P&L, USD")
            for row, r in zip(rows, st.itertuples(index=False), strict=True):
                row.append(num(r._asdict()["hedge_pnl_usd"], "{:,.0f}"))
        out += f"<h3>{esc(title)}</h3>" + table(heads, rows, 3)
    return out


def render_report_html(a: RunAnalysis, charts: dict[str, bytes]) -> str:
    """Return the run report as one self-contained HTML document."""
    run = a.run
    parts = [_header(a), "<h2>Key figures</h2>", _key_figures(a)]
    parts += ["<h2>Cash, costs and condor risk</h2>", _cash_and_costs(a)]
    parts += ["<h2>Summary with 95% block-bootstrap intervals</h2>", _summary_section(a)]
    parts += ["<h2>The hedge's three claims</h2>", _claims_section(a)]
    parts += ["<h2>The honest alternative: a smaller unhedged book</h2>", _honest_section(a)]
    for name, png in charts.items():
        parts += [f"<h2>{esc(CHARTS[name][0] if name in CHARTS else name)}</h2>", img(png, name)]
        if name == "monthly_returns":
            parts += ["<h3>Monthly returns of the hedged book, %</h3>", _monthly_table(a)]
    parts += ["<h2>The ten worst drawdowns</h2>", _drawdowns(a)]
    parts += ["<h2>Stress windows</h2>", _stress(a)]
    parts.append("<h2>Macro events (FOMC, CPI, PPI)</h2>")
    if a.events_study.empty:
        parts.append("<p>No macro-event table was available to this report.</p>")
    else:
        from alvh.report.events import event_study_means

        parts.append("<p>Averages by kind (close to close on the event session):</p>")
        parts.append(nice_table(event_study_means(a.events_study)))
        parts.append(
            f"<details><summary>All {len(a.events_study)} event sessions</summary>"
            + nice_table(a.events_study, left=2)
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


def _honest_section(a: RunAnalysis) -> str:
    sm = a.scaled[0]
    if not sm.defined:
        return f"<p>The same-return unhedged book is undefined: {esc(sm.reason)}.</p>"
    h = a.intervals["hedged"]["max_drawdown_pct"]
    s = a.intervals["scaled_mean"]["max_drawdown_pct"]
    better = "smaller" if h.value > s.value else "larger"
    verdict = (
        "The hedge adds protection a smaller position cannot."
        if better == "smaller"
        else "A smaller unhedged book does as well or better for the same return."
    )
    return (
        f"<p>Instead of hedging, trade {sm.factor:.3f} times the unhedged book (the rest in cash): "
        f"it has the hedged book's mean daily return. Its max drawdown is {est(s)}% against the "
        f"hedged book's {est(h)}%: the hedged book's drawdown is <b>{better}</b>. {verdict}</p>"
    )
