"""The real-data headline: one markdown block, ready for the README, from a comparison.

``alvh compare`` (and ``make headline``) writes ``headline.md`` next to ``comparison.json``. It
holds, in this order: the exact command; the data id, period and capital base; the table of
runs (CAGR, volatility, max drawdown, drawdown reduction against the unhedged twin, hedge cost per
month with its capital base, the three verdicts); each claim's verdict with its numbers and
period; the 4/4/2 sensitivity table; the honest alternative (the unhedged book scaled down to
the same mean return, and to the same CVaR). Every number comes from ``comparison.json``; nothing
is computed here but formatting and counting.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from alvh.report.compare import (
    capital_text,
    fmt_interval,
    fmt_num,
    markdown_table,
    sensitivity_markdown,
    sensitivity_rows,
)

CLAIM_SHORT = {
    1: "drawdown cut 35-40% in FOMC/CPI stress",
    2: "unhedged > 40% loss in CPI/PPI surprises, ALVH rarely > 18%",
    3: "hedge cost 0.3-0.7% of capital per month",
}
VERDICTS = ("holds", "does not hold", "inconclusive")

Row = dict[str, object]


def read_comparison(out_dir: Path) -> tuple[dict[str, object], list[Row]]:
    """Return ``(meta, rows)`` of the ``comparison.json`` in ``out_dir``."""
    data = json.loads((Path(out_dir) / "comparison.json").read_text(encoding="utf-8"))
    return dict(data["meta"]), [dict(r) for r in data["rows"]]


def _pct(v: object, fmt: str = "{:.1f}") -> str:
    return fmt_num(v, fmt)


def runs_table(rows: Sequence[Row]) -> str:
    """Return the markdown table of all runs (one row each), at matched risk.

    Whole-period drawdown figures compare each hedged run with the comparison's run without a
    hedge (each sized on its own equity); claims show the band verdict when a band ran.
    """
    headers = (
        "hedge",
        "notional base",
        "condor sizing",
        "CAGR %",
        "over cash (CAGR) %",
        "vol %",
        "max DD %",
        "DD cut vs no hedge %",
        "hedge cost % of capital/month [95% CI]",
        "costs % of credit (% of equity a year)",
        "claim 1",
        "claim 2",
        "claim 3",
    )
    body = []
    for r in rows:
        on = bool(r.get("hedge_enabled"))
        cost = {"c": r.get("hedge_cost_pct_per_month")}
        cost.update(c_lo=r.get("hedge_cost_lo"), c_hi=r.get("hedge_cost_hi"))
        red = r.get("vs_none_dd_reduction")
        body.append(
            [
                str(r.get("label")) if on else f"{r.get('label')} (no hedge)",
                _notional(r) if on else "-",
                str(r.get("sizing_label") or "?"),
                fmt_num(r.get("cagr_pct")),
                fmt_num(r.get("excess_cagr_pct")),
                _pct(r.get("volatility_pct")),
                _pct(r.get("max_drawdown_pct")),
                _pct(red * 100.0 if isinstance(red, int | float) else None) if on else "-",
                fmt_interval(cost, "c", 1.0, "{:.2f}") if on else "-",
                f"{_pct(r.get('costs_pct_of_credit'))} ({fmt_num(r.get('costs_pct_of_equity_per_year'))})",
            ]
            + [claim_cell(r, n) for n in (1, 2, 3)]
        )
    return markdown_table(headers, body)


def claim_cell(r: Row, n: int) -> str:
    """Return a claim's verdict for a table: the band's when one ran, ``n/a`` without a hedge."""
    if not r.get("hedge_enabled"):
        return "n/a"
    band = r.get(f"claim{n}_band")
    if isinstance(band, str) and r.get(f"claim{n}_band_kind"):
        return f"{band} ({r.get('band_runs')} runs)"
    return str(r.get(f"claim{n}"))


def cash_line(meta: dict[str, object], rows: Sequence[Row]) -> str:
    """Return the sentence on cash, costs and sizing the runs table rests on."""
    cash = next((r.get("cash_cagr_pct") for r in rows if r.get("cash_cagr_pct") is not None), None)
    none = next((r for r in rows if not r.get("hedge_enabled")), None)
    text = (
        f"Cash alone (the configured T-bill rate, ACT/360, on the same sessions) compounded at "
        f"{fmt_num(cash)}% a year; 'over cash' is each book's CAGR over that "
        "((1 + CAGR) / (1 + cash CAGR) - 1). Costs are spread and fees paid (already inside the "
        "P&L), in % of the condor credit collected and in % a year of mean equity."
    )
    if none is not None and isinstance(none.get("interest_usd"), int | float):
        share = none.get("interest_share_of_pnl_pct")
        text += f" The no-hedge book booked ${float(none['interest_usd']):,.0f} of interest on cash"  # type: ignore[arg-type]
        text += (
            f" ({_pct(share, '{:.0f}')}% of its P&L)."
            if isinstance(share, int | float)
            else " (its P&L over the period was not positive)."
        )
    text += (
        " Own sizing (matched risk): every book sizes its condors on its own equity, so the "
        "hedged runs and the no-hedge run carry the same condor risk per dollar; 'DD cut vs no "
        "hedge' is 1 - maxDD(hedged) / maxDD(no hedge) (negative: deeper)."
    )
    notes = [str(r["twin_sizing_note"]) for r in rows if r.get("twin_sizing_note")]
    if notes:
        text += " Twin-sized runs: " + "; ".join(notes) + "."
    return text


def band_lines(rows: Sequence[Row]) -> list[str]:
    """Return, per hedged run with a band, each band run's three verdicts (markdown bullets)."""
    out = []
    for r in rows:
        sc = r.get("band_scenarios")
        if not r.get("hedge_enabled") or not isinstance(sc, list):
            continue
        out.append(f"**{r.get('label')}** ({len(sc)} runs):")
        out.append("")
        for s in sc:
            where = "base" if s["axis"] == "base" else f"{s['axis']}: {s['level']}"
            out.append(
                f"- {where}: claim 1 {s['claim1']}, claim 2 {s['claim2']}, claim 3 {s['claim3']}"
            )
        out.append("")
    return out


def _notional(r: Row) -> str:
    base = str(r.get("notional_base"))
    if r.get("rule") not in ("alvh", None):
        return f"n/a ({r.get('rule')} rule)"
    return f"{base} (unused: sized on vega)" if r.get("size_base") == "vega" else base


def claim_lines(r: Row) -> list[str]:
    """Return one markdown bullet per claim of a hedged run: verdict, numbers, basis (period)."""
    lines = []
    for n in (1, 2, 3):
        text = (
            f"Claim {n} ({CLAIM_SHORT[n]}): **{r.get(f'claim{n}')}** - {r.get(f'claim{n}_detail')}"
        )
        if r.get(f"claim{n}_band_kind"):
            text += f"; across its band of {r.get('band_runs')} runs: **{r.get(f'claim{n}_band')}**"
        if n == 1:
            text += (
                f"; whole period max DD {_pct(r.get('max_drawdown_pct'))}% hedged vs "
                f"{_pct(r.get('unhedged_max_drawdown_pct'))}% for the twin holding its "
                f"condors (reduction {_reduction(r)})"
                + (
                    f" and {_pct(r.get('none_max_drawdown_pct'))}% for the run without a hedge"
                    if r.get("none_max_drawdown_pct") is not None
                    else ""
                )
                + f" over {r.get('period_start')}..{r.get('period_end')}"
            )
        basis = r.get(f"claim{n}_basis")
        text += f". Basis: {basis}." if basis else "."
        lines.append(f"- {text}")
    return lines


def _reduction(r: Row) -> str:
    v, lo, hi = (r.get(k) for k in ("dd_reduction", "dd_reduction_lo", "dd_reduction_hi"))
    if not isinstance(v, int | float):
        return "n/a"
    s = f"{v * 100.0:.1f}%"
    if isinstance(lo, int | float) and isinstance(hi, int | float):
        s += f" (95% CI [{lo * 100.0:.1f}%, {hi * 100.0:.1f}%])"
    return s


def verdict_counts(rows: Sequence[Row]) -> list[str]:
    """Return one line per claim: how many hedged runs it holds / does not hold / is open for."""
    hedged = [r for r in rows if r.get("hedge_enabled")]
    out = []
    for n in (1, 2, 3):
        counts = {v: sum(1 for r in hedged if r.get(f"claim{n}") == v) for v in VERDICTS}
        parts = ", ".join(f"{v} {counts[v]}" for v in VERDICTS if counts[v])
        out.append(f"- Claim {n} ({CLAIM_SHORT[n]}): {parts or 'no hedged run'} of {len(hedged)}")
    return out


def alternative_table(rows: Sequence[Row]) -> str:
    """Return the honest-alternative table: each hedged run against the scaled unhedged book."""
    headers = (
        "hedge",
        "hedged CAGR %",
        "hedged max DD %",
        "same mean return: k x unhedged",
        "its CAGR %",
        "its max DD %",
        "hedged DD is",
        "same CVaR 95%: k",
        "its max DD %",
    )
    body = []
    for r in rows:
        if not r.get("hedge_enabled"):
            continue
        k = r.get("scaled_mean_factor")
        if isinstance(k, int | float):
            h, s = r.get("max_drawdown_pct"), r.get("scaled_mean_max_drawdown_pct")
            better = (
                "smaller"
                if isinstance(h, int | float) and isinstance(s, int | float) and h > s
                else "not smaller"
            )
            mean_cells = [f"{k:.3f}", fmt_num(r.get("scaled_mean_cagr_pct")), _pct(s), better]
        else:
            why = str(r.get("scaled_mean_reason") or "undefined")
            if "hedged book's mean return is not positive" in why:
                why = "hedged mean return <= 0: cash (k = 0) does as well, with no drawdown"
            mean_cells = [f"undefined ({why})", "-", "-", "-"]
        kc = r.get("scaled_cvar_factor")
        cvar_cells = (
            [f"{kc:.3f}", _pct(r.get("scaled_cvar_max_drawdown_pct"))]
            if isinstance(kc, int | float)
            else [f"undefined: {r.get('scaled_cvar_reason') or '?'}", "-"]
        )
        body.append(
            [
                str(r.get("label")),
                fmt_num(r.get("cagr_pct")),
                _pct(r.get("max_drawdown_pct")),
                *mean_cells,
                *cvar_cells,
            ]
        )
    if not body:
        return "No hedged run in this comparison.\n"
    return markdown_table(headers, body)


def headline_markdown(meta: dict[str, object], rows: Sequence[Row], command: str) -> str:
    """Return the headline block (markdown) of a comparison.

    Parameters
    ----------
    meta, rows
        ``comparison.json``'s content (``read_comparison``).
    command
        The exact command that produced the comparison; printed first.
    """
    cap = capital_text(meta.get("capital_base_usd"))
    period = f"{meta.get('period_start')}..{meta.get('period_end')}"
    reps, level = meta.get("bootstrap_reps"), meta.get("ci_level")
    parts = [
        "<!-- generated by `alvh compare` (headline.md); numbers from comparison.json -->",
        "Reproduce (after `alvh data import ../shared/data/*.csv ../shared/data/*.gz`):",
        "",
        "```sh",
        command,
        "```",
        "",
        "Without `--store` the store is `$ALVH_STORE` or the default store; the data id pins "
        "the data. `make headline` runs the full preset list this way into `out/headline`.",
        "",
        f"Data id `{meta.get('data_id')}` ({meta.get('data_description')}), sessions {period} "
        f"({meta.get('sessions')} sessions), condor book `{meta.get('book')}`, capital base "
        f"{cap} ({meta.get('capital_base') or 'initial capital'}). Intervals: "
        f"{fmt_num(level, '{:.0%}')} block bootstrap, {reps} replications of "
        f"{meta.get('bootstrap_block_sessions') or 'automatic'}-session mean blocks.",
        "",
        runs_table(rows),
        cash_line(meta, rows),
        "",
        "Verdicts across the hedged runs (each run's base assumptions):",
        "",
        *verdict_counts(rows),
        "",
        "### The claims, run by run (numbers and periods)",
        "",
    ]
    for r in rows:
        if not r.get("hedge_enabled"):
            continue
        parts += [f"**{r.get('label')}**", "", *claim_lines(r), ""]
    bl = band_lines(rows)
    if bl:
        parts += [
            "### Verdict bands: each claim across its assumptions",
            "",
            "Each hedged run again with one assumption moved at a time: costs (slippage x0.5 "
            "and x1.5 of the modelled half-spread), the surface (model implied vol x0.95 and "
            "x1.05), the other readings of 4/4/2 and the other notional bases of the budget "
            "reading. A claim 'holds in all' / 'fails in all' runs, or 'depends on' the "
            "assumptions named (docs/report.md).",
            "",
            *bl,
        ]
    parts += [
        "### Sensitivity: readings of 4/4/2 and notional bases",
        "",
        sensitivity_markdown(sensitivity_rows(rows), meta.get("capital_base_usd")),
        "### The honest alternative: a smaller unhedged book",
        "",
        "Instead of hedging, trade k times the unhedged book and keep the rest in cash; k is set "
        "so its mean daily return equals the hedged book's (or its CVaR 95% of daily returns). "
        "The hedge adds something a smaller position cannot only where the hedged drawdown is "
        "the smaller one.",
        "",
        alternative_table(rows),
    ]
    return "\n".join(parts)


def write_headline(out_dir: Path, command: str) -> Path:
    """Write ``headline.md`` from the ``comparison.json`` in ``out_dir`` and return its path."""
    meta, rows = read_comparison(out_dir)
    path = Path(out_dir) / "headline.md"
    path.write_text(headline_markdown(meta, rows, command), encoding="utf-8")
    return path
