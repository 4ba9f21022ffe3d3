"""Build a run's evidence report (HTML + PNG charts) and print its summary in a terminal."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from alvh.report.analysis import AnalysisSettings, RunAnalysis, analyze_run
from alvh.report.bootstrap import Estimate
from alvh.report.charts import all_charts
from alvh.report.claims import ClaimResult
from alvh.report.excess import excess_and_costs
from alvh.report.matched import SIZING_LABEL, sizing_convention
from alvh.report.run_page import CLAIM_TITLE, render_report_html
from alvh.report.rundir import load_run


@dataclass(frozen=True)
class ReportResult:
    """What ``build_report`` wrote and the numbers of its summary table.

    Attributes
    ----------
    html_path
        The self-contained HTML file.
    chart_paths
        The PNG charts (in ``run_dir/report/``), by chart name.
    summary
        One row per book: CAGR, volatility, Sharpe, max drawdown with interval bounds.
    claims
        The three claims with verdicts.
    analysis
        Every number of the report.
    """

    html_path: Path
    chart_paths: dict[str, Path]
    summary: list[dict[str, object]]
    claims: list[ClaimResult]
    analysis: RunAnalysis = field(repr=False)


def build_report(
    run_dir: Path,
    out: Path | None = None,
    events: pd.DataFrame | None = None,
    settings: AnalysisSettings | None = None,
) -> ReportResult:
    """Write the evidence report of a run directory.

    Parameters
    ----------
    run_dir
        A run directory written by ``alvh backtest`` (docs/results-format.md).
    out
        The HTML file; default ``run_dir/report/report.html``.
    events
        Macro events (columns ``kind``, ``date``) for the event study and claims 1 and 2; None
        leaves the event study empty and claim 1 inconclusive.
    settings
        Bootstrap and window settings.

    Returns
    -------
    ReportResult
        Paths written and the summary numbers.

    Raises
    ------
    alvh.runs.RunDirError
        If ``run_dir`` is not a run directory.
    """
    run = load_run(run_dir)
    a = analyze_run(run, events, settings)
    charts = all_charts(a)
    chart_dir = run.path / "report"
    chart_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, png in charts.items():
        p = chart_dir / f"{name}.png"
        p.write_bytes(png)
        paths[name] = p
    html_path = Path(out) if out is not None else chart_dir / "report.html"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = html_path.with_name(html_path.name + ".tmp")
    tmp.write_text(render_report_html(a, charts), encoding="utf-8")
    tmp.replace(html_path)
    return ReportResult(html_path, paths, a.summary_rows(), a.claims, a)


def _cell(e: Estimate, scale: float = 1.0) -> str:
    if not e.defined:
        return "n/a"
    s = f"{e.value * scale:,.2f}"
    if math.isfinite(e.lo):
        s += f" [{e.lo * scale:,.2f}, {e.hi * scale:,.2f}]"
    return s


_VERDICT_STYLE = {"holds": "green", "does not hold": "red", "inconclusive": "yellow"}
_BOOK_WORDS = {
    "hedged": "hedged",
    "unhedged": "unhedged twin",
    "scaled_mean": "smaller unhedged, same mean",
    "scaled_cvar": "smaller unhedged, same tail",
}


def print_summary(result: ReportResult, console: Console) -> None:
    """Print the summary, cash and costs, and the claims' verdicts of a report to a console."""
    a = result.analysis
    t = Table(title=f"alvh {a.run.label}: run {a.run.run_id[:12]} (95% bootstrap intervals)")
    t.add_column("book", justify="left")
    for h in ("CAGR %", "vol %", "Sharpe", "max DD %"):
        t.add_column(h, justify="right")
    for book, iv in a.intervals.items():
        if book == "difference":
            continue
        t.add_row(
            _BOOK_WORDS.get(book, book),
            *(_cell(iv[m]) for m in ("cagr_pct", "volatility_pct", "sharpe", "max_drawdown_pct")),
        )
    console.print(t)
    eq, condors = a.run.equity, a.run.condors
    k = Table(title="Return over cash and costs")
    k.add_column("book", justify="left")
    for h in ("cash %/yr", "over cash %", "costs USD", "% of credit", "% equity/yr"):
        k.add_column(h, justify="right", no_wrap=True)
    for b in ("hedged", "unhedged"):
        x = excess_and_costs(eq, condors, b)
        k.add_row(
            _BOOK_WORDS[b],
            _n(x["cash_cagr_pct"]),
            _n(x["excess_cagr_pct"]),
            _n(x["costs_usd"], "{:,.0f}"),
            _n(x["costs_pct_of_credit"], "{:.1f}"),
            _n(x["costs_pct_of_equity_per_year"]),
        )
    console.print(k)
    c = Table(title="The hedge's three claims (docs/report.md)")
    c.add_column("claim", justify="left")
    c.add_column("verdict", justify="left")
    c.add_column("numbers", justify="left")
    for cl in result.claims:
        style = _VERDICT_STYLE.get(cl.verdict, "")
        verdict = f"[{style}]{cl.verdict}[/]" if style else cl.verdict
        c.add_row(CLAIM_TITLE.get(cl.number, str(cl.number)), verdict, cl.detail)
    console.print(c)
    sizing = SIZING_LABEL[sizing_convention(a.run)]
    console.print(
        f"capital base {a.run.capital_base_usd:,.0f} USD; condor sizing: {sizing}; "
        f"report: {result.html_path}"
    )


def _n(v: object, fmt: str = "{:.2f}") -> str:
    return fmt.format(v) if isinstance(v, int | float) and math.isfinite(float(v)) else "n/a"
