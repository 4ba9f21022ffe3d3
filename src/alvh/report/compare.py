"""Compare several runs (presets, notional bases, readings of 4/4/2) in one table and one page."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from alvh.report.analysis import AnalysisSettings, analyze_run, full_period_summary
from alvh.report.charts import equity_overlay_chart
from alvh.report.html import render_comparison_html
from alvh.report.rundir import load_run

COLUMNS = (
    "label",
    "run_id",
    "cagr_pct",
    "max_drawdown_pct",
    "sharpe",
    "dd_reduction",
    "scaled_mean_max_drawdown_pct",
    "hedge_cost_pct_per_month",
    "claim1",
    "claim2",
    "claim3",
)


@dataclass(frozen=True)
class ComparisonResult:
    """The comparison written by ``compare_runs``.

    Attributes
    ----------
    html_path, csv_path, chart_path
        The comparison page, its table as CSV and the equity overlay PNG.
    rows
        One dict per run with the columns of ``COLUMNS``.
    """

    html_path: Path
    csv_path: Path
    chart_path: Path
    rows: list[dict[str, object]]


def compare_runs(
    run_dirs: Sequence[Path],
    out_dir: Path,
    labels: Sequence[str] | None = None,
    events: pd.DataFrame | None = None,
    settings: AnalysisSettings | None = None,
) -> ComparisonResult:
    """Write a comparison of several run directories to ``out_dir``.

    Parameters
    ----------
    run_dirs
        Run directories written by ``alvh backtest`` (or ``alvh compare``).
    out_dir
        Folder for ``comparison.html``, ``comparison.csv`` and ``equity_overlay.png``.
    labels
        One label per run; default the run's hedge preset and notional base.
    events
        Macro events for the claims (see ``build_report``).
    settings
        Bootstrap and window settings.
    """
    if labels is not None and len(labels) != len(run_dirs):
        raise ValueError(f"{len(labels)} labels for {len(run_dirs)} runs")
    rows, curves = [], {}
    for i, d in enumerate(run_dirs):
        a = analyze_run(load_run(Path(d)), events, settings)
        row = full_period_summary(a)
        label = labels[i] if labels is not None else str(row["label"])
        if label in curves:  # two runs with the same preset: keep both lines apart
            label = f"{label} #{i + 1}"
        row["label"] = label
        rows.append(row)
        curves[label] = a.books["hedged"]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chart = out_dir / "equity_overlay.png"
    png = equity_overlay_chart(curves)
    chart.write_bytes(png)
    csv_path = out_dir / "comparison.csv"
    with csv_path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([_csv_cell(r.get(c)) for c in COLUMNS])
    html_path = out_dir / "comparison.html"
    html_path.write_text(render_comparison_html(rows, png), encoding="utf-8")
    return ComparisonResult(html_path, csv_path, chart, rows)


def _csv_cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.6f}" if math.isfinite(v) else ""
    return "" if v is None else str(v)
