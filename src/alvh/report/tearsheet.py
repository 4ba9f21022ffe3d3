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
from alvh.report.html import render_report_html
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


def print_summary(result: ReportResult, console: Console) -> None:
    """Print the summary table and the claims' verdicts of a report to a rich console."""
    a = result.analysis
    t = Table(title=f"alvh {a.run.label}: run {a.run.run_id[:12]} (95% bootstrap CI)")
    t.add_column("book", justify="left")
    for h in ("CAGR %", "vol %", "Sharpe", "max DD %"):
        t.add_column(h, justify="right")
    for book, iv in a.intervals.items():
        if book == "difference":
            continue
        t.add_row(
            book,
            *(_cell(iv[m]) for m in ("cagr_pct", "volatility_pct", "sharpe", "max_drawdown_pct")),
        )
    console.print(t)
    c = Table(title="Claims (SPEC 4)")
    c.add_column("#", justify="right")
    c.add_column("verdict", justify="left")
    c.add_column("numbers", justify="left")
    for cl in result.claims:
        style = _VERDICT_STYLE.get(cl.verdict, "")
        c.add_row(str(cl.number), f"[{style}]{cl.verdict}[/]", cl.detail)
    console.print(c)
    console.print(f"capital base {a.run.capital_base_usd:,.0f} USD; report: {result.html_path}")
