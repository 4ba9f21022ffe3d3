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
    """Return the markdown table of all runs (one row each)."""
    headers = (
        "hedge",
        "notional base",
        "CAGR %",
        "vol %",
        "max DD %",
        "DD reduction vs unhedged twin % [95% CI]",
        "hedge cost % of capital/month [95% CI]",
        "claim 1",
        "claim 2",
        "claim 3",
    )
    body = []
    for r in rows:
        on = bool(r.get("hedge_enabled"))
        cost = {"c": r.get("hedge_cost_pct_per_month")}
        cost.update(c_lo=r.get("hedge_cost_lo"), c_hi=r.get("hedge_cost_hi"))
        body.append(
            [
                str(r.get("label")) if on else f"{r.get('label')} (unhedged book)",
                _notional(r) if on else "-",
                fmt_num(r.get("cagr_pct")),
                _pct(r.get("volatility_pct")),
                _pct(r.get("max_drawdown_pct")),
                fmt_interval(r, "dd_reduction", 100.0) if on else "-",
                fmt_interval(cost, "c", 1.0, "{:.2f}") if on else "-",
            ]
            + [str(r.get(f"claim{n}")) if on else "-" for n in (1, 2, 3)]
        )
    return markdown_table(headers, body)


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
        if n == 1:
            text += (
                f"; whole period max DD {_pct(r.get('max_drawdown_pct'))}% hedged vs "
                f"{_pct(r.get('unhedged_max_drawdown_pct'))}% unhedged, reduction "
                f"{_reduction(r)} over {r.get('period_start')}..{r.get('period_end')}"
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
        "Verdicts across the hedged runs:",
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
