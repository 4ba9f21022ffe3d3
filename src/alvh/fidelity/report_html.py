"""The fidelity report as one self-contained HTML page (CSS inline, charts as PNG data URIs).

Same look and helpers as the run report (``alvh.report.html``); charts are drawn with the run
report's byte-stable matplotlib renderer, so the same report gives the same bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from alvh.fidelity.chains import HEADLINE_DELTA, HEADLINE_DTE, error_table, headline
from alvh.fidelity.metrics import TrackingMetrics
from alvh.fidelity.report import ChainResult, FidelityReport, IndexResult
from alvh.report.charts import render
from alvh.report.html import esc, frame_table, img, num, page, table

WINDOW_TITLES = {"in_sample": "in sample", "out_of_sample": "out of sample", "whole": "whole"}


def level_chart(ix: IndexResult) -> bytes:
    """Replica and real index levels, both rebased to 100 on their first common date (log)."""
    both = pd.concat({"replica": ix.replica, "real": ix.real}, axis=1, join="inner").dropna()
    both = both / both.iloc[0] * 100.0

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.plot(both.index, both["real"].to_numpy(float), color="#222", lw=1.1, label=ix.name)
        ax.plot(
            both.index,
            both["replica"].to_numpy(float),
            color="#1f5fa8",
            lw=1.1,
            label=f"{ix.name} replica (model prices)",
        )
        for d in ix.breaks:
            ts = pd.Timestamp(d)
            if both.index[0] <= ts <= both.index[-1]:
                ax.axvline(ts, color="#c0392b", lw=0.6, ls=":")
        ax.set_yscale("log")
        ax.set_ylabel("level (first common date = 100, log)")
        ax.set_title(f"{ix.name}: replica against the published index")
        ax.legend(loc="best", fontsize=8)

    return render(draw)


def year_chart(m: TrackingMetrics, name: str) -> bytes:
    """Calendar-year returns of replica and index side by side."""
    years = [y.year for y in m.years]
    x = np.arange(len(years))

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.bar(x - 0.2, [y.index_pct for y in m.years], 0.4, color="#555", label=name)
        ax.bar(x + 0.2, [y.replica_pct for y in m.years], 0.4, color="#1f5fa8", label="replica")
        ax.set_xticks(x, [str(y) for y in years], rotation=90, fontsize=7)
        ax.axhline(0.0, color="black", lw=0.6)
        ax.set_ylabel("calendar-year return (%)")
        ax.legend(loc="best", fontsize=8)

    return render(draw, size=(10.0, 3.2))


def _metrics_table(ix: IndexResult) -> str:
    rows = []
    for key in ("in_sample", "out_of_sample", "whole"):
        m = ix.windows.get(key)
        if m is None:
            continue
        rows.append(
            [
                esc(WINDOW_TITLES[key]),
                esc(f"{m.start.date()}..{m.end.date()}"),
                num(m.monthly_corr, "{:.3f}"),
                num(m.te_monthly_ann_pct, "{:.2f}"),
                num(m.te_daily_ann_pct, "{:.2f}"),
                num(m.cagr_replica_pct),
                num(m.cagr_index_pct),
                num(m.cagr_gap_pp, "{:+.2f}"),
                num(m.max_dd_replica_pct, "{:.1f}"),
                num(m.max_dd_index_pct, "{:.1f}"),
                num(m.max_dd_gap_pp, "{:+.1f}"),
                esc(f"{m.sign_agree_years}/{len(m.years)}"),
            ]
        )
    headers = [
        "window",
        "dates",
        "monthly corr",
        "TE monthly (% ann.)",
        "TE daily (% ann.)",
        "CAGR replica %",
        "CAGR index %",
        "CAGR gap pp",
        "max DD replica %",
        "max DD index %",
        "max DD gap pp",
        "years same sign",
    ]
    return table(headers, rows, left=2)


def _years_table(m: TrackingMetrics) -> str:
    rows = [
        [
            esc(y.year),
            num(y.replica_pct),
            num(y.index_pct),
            num(y.gap_pp, "{:+.2f}"),
            "yes" if y.signs_agree else "<b>no</b>",
            esc(("" if y.full else "partial ") + ("break" if y.has_break else "")),
        ]
        for y in m.years
    ]
    return table(["year", "replica %", "index %", "gap pp", "same sign", "note"], rows, left=1)


def index_section(ix: IndexResult, r: FidelityReport) -> str:
    """Return one index's section: chart, metrics by window, the gap year by year."""
    whole = ix.windows["whole"]
    brk = ", ".join(ix.breaks) if ix.breaks else "none"
    return (
        f"<h3>{esc(ix.name)}</h3>"
        f'<p class="note">Real: CBOE {esc(ix.name)} daily closes, file id <code>{esc(ix.real_id)}'
        f"</code>. Replica: the model surface (<code>{esc(r.params_label)}</code>) on market data "
        f"<code>{esc(r.data_id)}</code>. Returns chain-linked over the flagged dates: {esc(brk)}."
        "</p>"
        + img(level_chart(ix), f"{ix.name} replica and index")
        + _metrics_table(ix)
        + img(year_chart(whole, ix.name), f"{ix.name} calendar years")
        + _years_table(whole)
    )


SMILE_TARGET_DTE = (14, 30, 60)
SMILE_COLORS = ("#c0392b", "#1f5fa8", "#27ae60")


def smile_chart(c: ChainResult) -> tuple[bytes, str] | None:
    """Market (dots) and model (line) IV against ln(K/F) on one quote date, up to 3 expiries.

    The date is the source's first quote date with an expiry of 14 days or more (else its
    first); the expiries are those nearest 14, 30 and 60 days. Returns the PNG and a caption.
    """
    e = c.errors
    if e.empty:
        return None
    dates = c.dates()
    later = [d for d in dates if (e.loc[e["quote_date"] == d, "dte_days"] >= 14).any()]
    day = (later or dates)[0]
    rows = e[e["quote_date"] == day]
    dtes = np.array(sorted(rows["dte_days"].unique()))
    picked = sorted({int(dtes[np.argmin(np.abs(dtes - t))]) for t in SMILE_TARGET_DTE})

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        for dte, color in zip(picked, SMILE_COLORS, strict=False):
            g = rows[rows["dte_days"] == dte].sort_values("strike")
            x = np.log(g["strike"].to_numpy(float) / g["forward"].to_numpy(float))
            ax.plot(x, g["market_iv"] * 100, "o", ms=2.5, color=color, label=f"{dte}d market")
            ax.plot(x, g["model_iv"] * 100, "-", lw=1.2, color=color, label=f"{dte}d model")
        ax.set_xlabel("ln(strike / parity forward)")
        ax.set_ylabel("implied vol (%)")
        ax.set_title(f"{c.source}: smiles on {day.date()}")
        ax.legend(loc="best", fontsize=7, ncol=2)

    caption = (
        f"Quote date {day.date()}, expiries of {', '.join(str(d) for d in picked)} days: "
        "dots are the quotes' mid IVs, lines the model at the same moneyness."
    )
    return render(draw), caption


def _headline_cells(e: pd.DataFrame) -> list[str]:
    h = headline(e)
    return [
        f"{num(h[r]['mean_abs_error_pts'])} (n={h[r]['count']}, "
        f"bias {num(h[r]['mean_error_pts'], '{:+.2f}')})"
        for r in ("P", "C")
    ]


def chain_section(c: ChainResult, r: FidelityReport) -> str:
    """Return one chain source's section: pooled tables and a headline per quote date."""
    dates = c.dates()
    span = f"{dates[0].date()}..{dates[-1].date()}" if dates else "no usable date"
    lo_d, hi_d = HEADLINE_DELTA
    lo_t, hi_t = HEADLINE_DTE
    per_date = table(
        ["quote date", f"puts: mean |err| {lo_d:.0%}-{hi_d:.0%} delta, {lo_t}-{hi_t} DTE", "calls"],
        [[esc(d.date()), *_headline_cells(c.errors[c.errors["quote_date"] == d])] for d in dates],
    )
    chart = smile_chart(c)
    smile = (
        "" if chart is None else img(chart[0], "smiles") + f'<p class="note">{esc(chart[1])}</p>'
    )
    return (
        f"<h3>{esc(c.source)}</h3>"
        f'<p class="note">Quotes: <code>{esc(c.source)}</code> (id <code>{esc(c.source_id)}'
        f"</code>), {len(dates)} quote date(s) {esc(span)}, {len(c.errors)} out-of-the-money "
        f"options compared. Model: surface <code>{esc(r.params_label)}</code> on market data "
        f"<code>{esc(r.data_id)}</code>. Error = model minus market IV, vol points.</p>"
        + smile
        + "<h4>By |delta| (all dates pooled)</h4>"
        + frame_table(error_table(c.errors, "delta_bucket"), left=2)
        + "<h4>By days to expiry (all dates pooled)</h4>"
        + frame_table(error_table(c.errors, "dte_bucket"), left=2)
        + "<h4>Goal window per quote date</h4>"
        + per_date
    )


def vix_section_html(frame: pd.DataFrame | None) -> str:
    """Return the VIX-option section from a tidy error table (the slot for the VIX model).

    Parameters
    ----------
    frame
        One row per (expiry, moneyness or delta bucket) with the VIX model's error columns
        (e.g. count, median_abs_error_pct, atm_vol_error_pts); rendered as given, text columns
        left-aligned. None renders a placeholder saying the section is not in this build.
    """
    if frame is None or frame.empty:
        return (
            "<h2>VIX options</h2><p class='note'>Not in this build: the VIX-option model's "
            "errors against real prices join this report when that model is fitted.</p>"
        )
    left = sum(1 for c in frame.columns if frame[c].dtype == object)
    return "<h2>VIX options</h2>" + frame_table(frame, left=max(left, 1))


def report_html(r: FidelityReport) -> str:
    """Return the whole fidelity page."""
    split = r.split or "none (whole window only)"
    head = (
        "<h1>alvh fidelity: model prices against real ones</h1>"
        f"<p>Market data <code>{esc(r.data_id)}</code> ({esc(r.data_description)}); surface "
        f"parameters <code>{esc(r.params_label)}</code>; in-sample to {esc(split)}, "
        "out of sample after it.</p>"
        f"<p class='note'>Surface parameters fitted on: {esc(r.params_note or 'unknown')}. "
        "'In sample' and 'out of sample' are cut at the split date: they are out of sample "
        "for the model only when its parameters were fitted on data before that date.</p>"
        "<p class='note'>Tracking error: sd of replica minus index returns, annualised. CAGR "
        "gap and max-drawdown gap: replica minus index, percentage points. Breaks: returns into "
        "flagged dates count as zero on both sides. IV error: model minus market at the quote's "
        "moneyness; |delta| is the market's forward delta; OTM quotes with a bid only.</p>"
    )
    parts = [head, "<h2>CBOE strategy indexes</h2>"]
    if r.indexes:
        parts += [index_section(ix, r) for ix in r.indexes]
    else:
        parts.append("<p class='note'>No index compared (see notes).</p>")
    parts.append("<h2>Real SPX chains</h2>")
    if r.chains:
        parts += [chain_section(c, r) for c in r.chains]
    else:
        parts.append("<p class='note'>No chain compared: pass --chain FILE.</p>")
    parts.append(vix_section_html(r.vix))
    if r.notes:
        parts.append(
            "<h2>Notes</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in r.notes) + "</ul>"
        )
    return page("alvh fidelity", "\n".join(parts))
