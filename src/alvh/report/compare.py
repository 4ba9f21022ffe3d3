"""Compare several runs (presets, notional bases, readings of 4/4/2) in one table and one page.

``compare_runs`` writes, into one folder:

- ``comparison.html``: the table, the 4/4/2 sensitivity and the equity overlay;
- ``comparison.csv``: one row per run (``COLUMNS``);
- ``comparison.json``: every number of every row (``run_row``) plus the data id and period, the
  input of ``alvh.report.headline``;
- ``sensitivity.csv`` and ``sensitivity.md``: the 4/4/2 runs only (``SENSITIVITY_COLUMNS``);
- ``equity_overlay.png``.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from alvh.report.analysis import AnalysisSettings, RunAnalysis, analyze_run, full_period_summary
from alvh.report.bootstrap import Estimate
from alvh.report.charts import equity_overlay_chart
from alvh.report.html import esc, render_comparison_html, table, verdict_cell
from alvh.report.matched import BandRuns, add_bands, add_matched_risk, excess_fields
from alvh.report.rundir import load_run

COLUMNS = (
    "label",
    "run_id",
    "sizing",
    "cagr_pct",
    "cash_cagr_pct",
    "excess_cagr_pct",
    "mean_annual_excess_pct",
    "max_drawdown_pct",
    "none_max_drawdown_pct",
    "vs_none_dd_reduction",
    "costs_usd",
    "costs_pct_of_credit",
    "costs_pct_of_equity_per_year",
    "condor_max_loss_pct_of_equity_mean",
    "condor_max_loss_pct_of_equity_peak",
    "claim1_band",
    "claim2_band",
    "claim3_band",
    "band_runs",
    "sharpe",
    "dd_reduction",
    "scaled_mean_max_drawdown_pct",
    "hedge_cost_pct_per_month",
    "claim1",
    "claim2",
    "claim3",
    "volatility_pct",
    "unhedged_max_drawdown_pct",
    "dd_reduction_lo",
    "dd_reduction_hi",
    "capital_base_usd",
    "notional_base",
    "period_start",
    "period_end",
)

# The three readings of "4/4/2" (docs/hedge.md, table of sizing modes).
READINGS_442 = {
    "alvh-442": "tranches in time: 40/40/20 of each layer, 4 sessions apart (default)",
    "442-budget": "notional budget split 40/40/20 across 0-30 / 30-90 / 90+ DTE",
    "442-instruments": "layers sized 40% futures / 40% calls / 20% longer-dated calls",
}

SENSITIVITY_COLUMNS = (
    "label",
    "preset",
    "reading",
    "size_base",
    "notional_base",
    "cagr_pct",
    "max_drawdown_pct",
    "unhedged_max_drawdown_pct",
    "dd_reduction",
    "dd_reduction_lo",
    "dd_reduction_hi",
    "hedge_cost_pct_per_month",
    "hedge_cost_lo",
    "hedge_cost_hi",
    "capital_base_usd",
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
        One dict per run (``run_row``; includes every column of ``COLUMNS``).
    json_path
        ``comparison.json``: ``{"meta": ..., "rows": [...]}``.
    sensitivity_csv, sensitivity_md
        The 4/4/2 sensitivity table (header only when no 4/4/2 run was compared).
    meta
        Data id, data description and period shared by the runs.
    """

    html_path: Path
    csv_path: Path
    chart_path: Path
    rows: list[dict[str, object]]
    json_path: Path | None = None
    sensitivity_csv: Path | None = None
    sensitivity_md: Path | None = None
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def sensitivity(self) -> list[dict[str, object]]:
        """Return the rows of the 4/4/2 sensitivity table."""
        return sensitivity_rows(self.rows)


def _f(x: float) -> float | None:
    return float(x) if isinstance(x, int | float) and math.isfinite(float(x)) else None


def _est(prefix: str, e: Estimate) -> dict[str, object]:
    out: dict[str, object] = {
        prefix: _f(e.value),
        f"{prefix}_lo": _f(e.lo),
        f"{prefix}_hi": _f(e.hi),
    }
    if e.reason:
        out[f"{prefix}_reason"] = e.reason
    return out


def _sizing(a: RunAnalysis) -> dict[str, object]:
    cfg = a.run.summary.get("config")
    hedge = cfg.get("hedge") if isinstance(cfg, dict) else None
    sizing = hedge.get("sizing") if isinstance(hedge, dict) else None
    return sizing if isinstance(sizing, dict) else {}


def run_row(a: RunAnalysis, label: str | None = None) -> dict[str, object]:
    """Return every number the comparison and the headline show for one run (JSON-ready).

    Parameters
    ----------
    a
        The run's analysis (``alvh.report.analysis.analyze_run``).
    label
        Row label; default the run's preset and notional base.

    Returns
    -------
    dict
        The columns of ``COLUMNS`` plus intervals (``*_lo``, ``*_hi``), the scaled books, each
        claim's estimate, unit, detail and basis, and the run's definitions. Undefined numbers
        are None.
    """
    run = a.run
    row: dict[str, object] = {k: v for k, v in full_period_summary(a).items()}
    for k, v in list(row.items()):
        if isinstance(v, float):
            row[k] = _f(v)
    if label is not None:
        row["label"] = label
    hedge = run.summary.get("config")
    hedge = hedge.get("hedge") if isinstance(hedge, dict) else None
    preset = str(hedge.get("preset", "?")) if isinstance(hedge, dict) else "?"
    sizing = _sizing(a)
    rule = str(hedge.get("rule", "")) if isinstance(hedge, dict) else ""
    # Size base and sizing mode belong to the ALVH rule; VXTH sizes by the VX level alone.
    alvh = run.hedge_enabled and rule in ("alvh", "")
    idx = run.equity.index
    defs = run.summary.get("definitions")
    data = run.summary.get("data")
    cfg = run.summary.get("config")
    row.update(
        preset=preset,
        hedge_enabled=run.hedge_enabled,
        rule=rule,
        size_base=str(sizing.get("size_base", "")) if alvh else "",
        sizing_mode=str(sizing.get("mode", "")) if alvh else "",
        notional_base=run.notional_base,
        capital_base_usd=run.capital_base_usd,
        capital_base=str(defs.get("capital_base", "")) if isinstance(defs, dict) else "",
        period_start=str(idx[0].date()),
        period_end=str(idx[-1].date()),
        sessions=len(idx),
        data_id=str(data.get("data_id", "")) if isinstance(data, dict) else "",
        data_description=str(data.get("description", "")) if isinstance(data, dict) else "",
        book=str(cfg.get("name", "")) if isinstance(cfg, dict) else "",
    )
    for book in ("hedged", "unhedged", "scaled_mean", "scaled_cvar"):
        iv = a.intervals.get(book, {})
        pre = "" if book == "hedged" else f"{book}_"
        for m in ("cagr_pct", "volatility_pct", "sharpe", "max_drawdown_pct"):
            if m in iv:
                row.update(_est(pre + m, iv[m]))
    diff = a.intervals.get("difference", {})
    if "dd_reduction" in diff:
        row.update(_est("dd_reduction", diff["dd_reduction"]))
    for sb, key in zip(a.scaled, ("scaled_mean", "scaled_cvar"), strict=True):
        row[f"{key}_factor"] = _f(sb.factor)
        row[f"{key}_reason"] = sb.reason
    for c in a.claims:
        n = c.number
        row.update(_est(f"claim{n}_estimate", c.estimate))
        row[f"claim{n}_unit"] = c.unit
        row[f"claim{n}_detail"] = c.detail
        row[f"claim{n}_basis"] = c.basis
        row[f"claim{n}_extra"] = c.extra
    row.update(excess_fields(run))
    row["hedge_cost_lo"] = _f(a.claims[2].estimate.lo)
    row["hedge_cost_hi"] = _f(a.claims[2].estimate.hi)
    return row


def claim_verdicts(
    run_dir: Path, events: pd.DataFrame | None, settings: AnalysisSettings
) -> tuple[str, str, str]:
    """Return the three claims' verdicts of one run directory (a run of a verdict band)."""
    a = analyze_run(load_run(Path(run_dir)), events, settings)
    return (a.claims[0].verdict, a.claims[1].verdict, a.claims[2].verdict)


def sensitivity_rows(rows: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    """Return the 4/4/2 runs of a comparison (any notional base), in the readings' order.

    Each row gets ``reading`` (what the preset's 4/4/2 means) and, for runs sized on vega (where
    the notional base does not enter the hedge size), a ``notional_base`` marked as unused.
    """
    order = list(READINGS_442)
    out = []
    for r in rows:
        preset = str(r.get("preset", ""))
        if preset not in READINGS_442:
            continue
        s = {k: r.get(k) for k in SENSITIVITY_COLUMNS}
        s["reading"] = READINGS_442[preset]
        if r.get("size_base") == "vega":
            s["notional_base"] = f"{r.get('notional_base')} (unused: sized on vega)"
        out.append(s)
    bases = ("max_loss", "margin", "spx_notional")

    def key(s: dict[str, object]) -> tuple[int, int]:
        nb = str(s.get("notional_base", "")).split(" ")[0]
        return order.index(str(s["preset"])), bases.index(nb) if nb in bases else len(bases)

    return sorted(out, key=key)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return a GitHub-flavoured markdown table (cells are text; ``|`` is escaped)."""

    def cell(v: str) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---" for _ in headers) + "|")
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def fmt_num(v: object, fmt: str = "{:.2f}") -> str:
    """Return a formatted number, ``n/a`` for None/NaN."""
    if isinstance(v, int | float) and math.isfinite(float(v)):
        return fmt.format(float(v))
    return "n/a"


def fmt_interval(row: dict[str, object], key: str, scale: float = 1.0, fmt: str = "{:.1f}") -> str:
    """Return ``value [lo, hi]`` of ``row[key]`` and its bounds (``n/a`` when undefined)."""
    v = row.get(key)
    if not (isinstance(v, int | float) and math.isfinite(float(v))):
        return "n/a"
    s = fmt.format(float(v) * scale)
    lo, hi = row.get(f"{key}_lo"), row.get(f"{key}_hi")
    if isinstance(lo, int | float) and isinstance(hi, int | float):
        s += f" [{fmt.format(float(lo) * scale)}, {fmt.format(float(hi) * scale)}]"
    return s


SENSITIVITY_HEADERS = (
    "run",
    "reading of 4/4/2",
    "size base",
    "notional base",
    "CAGR %",
    "max DD % (unhedged twin)",
    "DD reduction % [95% CI]",
    "hedge cost % of capital/month [95% CI]",
    "claim 1",
    "claim 2",
    "claim 3",
)


def sensitivity_cells(s: dict[str, object]) -> list[str]:
    """Return the text cells of one sensitivity row (``SENSITIVITY_HEADERS``)."""
    return [
        str(s["label"]),
        str(s["reading"]),
        str(s.get("size_base") or ""),
        str(s.get("notional_base") or ""),
        fmt_num(s.get("cagr_pct")),
        f"{fmt_num(s.get('max_drawdown_pct'), '{:.1f}')} "
        f"({fmt_num(s.get('unhedged_max_drawdown_pct'), '{:.1f}')})",
        fmt_interval(s, "dd_reduction", 100.0),
        fmt_interval(
            {
                "c": s.get("hedge_cost_pct_per_month"),
                "c_lo": s.get("hedge_cost_lo"),
                "c_hi": s.get("hedge_cost_hi"),
            },
            "c",
            1.0,
            "{:.2f}",
        ),
        str(s.get("claim1")),
        str(s.get("claim2")),
        str(s.get("claim3")),
    ]


NO_SENSITIVITY = "No 4/4/2 run (alvh-442, 442-budget, 442-instruments) in this comparison."


def capital_text(capital_base_usd: object) -> str:
    """Return the capital base as ``$1,000,000`` (or as given when runs differ)."""
    if isinstance(capital_base_usd, int | float):
        return f"${float(capital_base_usd):,.0f}"
    return f"{capital_base_usd} USD"


def sensitivity_note(capital_base_usd: object) -> str:
    """Return the sentence that says what the sensitivity table's numbers rest on."""
    return (
        "Readings of 4/4/2 and notional bases. Hedge cost is the mean net monthly hedge P&L in % "
        f"of the capital base ({capital_text(capital_base_usd)}); DD reduction is "
        "1 - maxDD(hedged) / maxDD(unhedged twin) over the whole period (negative: deeper). The "
        "notional base only sizes hedges measured as a notional budget (size base `budget`)."
    )


def sensitivity_markdown(sens: Sequence[dict[str, object]], capital_base_usd: object) -> str:
    """Return the 4/4/2 sensitivity table as markdown, with its capital base named."""
    if not sens:
        return NO_SENSITIVITY + "\n"
    cells = [sensitivity_cells(s) for s in sens]
    return sensitivity_note(capital_base_usd) + "\n\n" + markdown_table(SENSITIVITY_HEADERS, cells)


def sensitivity_html(sens: Sequence[dict[str, object]], capital_base_usd: object) -> str:
    """Return the 4/4/2 sensitivity section of the comparison page."""
    out = "<h2>Sensitivity: readings of 4/4/2 and notional bases</h2>"
    if not sens:
        return out + f"<p>{esc(NO_SENSITIVITY)}</p>"
    rows = []
    for s in sens:
        c = sensitivity_cells(s)
        rows.append([esc(x) for x in c[:-3]] + [verdict_cell(x) for x in c[-3:]])
    note = f'<p class="note">{esc(sensitivity_note(capital_base_usd))}</p>'
    return out + table(SENSITIVITY_HEADERS, rows, 4) + note


def compare_runs(
    run_dirs: Sequence[Path],
    out_dir: Path,
    labels: Sequence[str] | None = None,
    events: pd.DataFrame | None = None,
    settings: AnalysisSettings | None = None,
    bands: Mapping[str, BandRuns] | None = None,
) -> ComparisonResult:
    """Write a comparison of several run directories to ``out_dir``.

    Parameters
    ----------
    run_dirs
        Run directories written by ``alvh backtest`` (or ``alvh compare``).
    out_dir
        Folder for the files listed in the module docstring.
    labels
        One label per run; default the run's hedge preset and notional base.
    events
        Macro events for the claims (see ``build_report``).
    settings
        Bootstrap and window settings.
    bands
        Per row label, the claim verdicts of its band runs (``alvh.report.band``; base first);
        rows without one show their single-run verdict.
    """
    if labels is not None and len(labels) != len(run_dirs):
        raise ValueError(f"{len(labels)} labels for {len(run_dirs)} runs")
    s = settings or AnalysisSettings()
    rows: list[dict[str, object]] = []
    curves: dict[str, pd.Series] = {}
    for i, d in enumerate(run_dirs):
        a = analyze_run(load_run(Path(d)), events, s)
        row = run_row(a, labels[i] if labels is not None else None)
        if row["label"] in curves:  # two runs with the same preset: keep both lines apart
            row["label"] = f"{row['label']} #{i + 1}"
        rows.append(row)
        curves[str(row["label"])] = a.books["hedged"]
    add_matched_risk(rows)
    add_bands(rows, bands or {})
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chart = out_dir / "equity_overlay.png"
    png = equity_overlay_chart(curves)
    chart.write_bytes(png)
    csv_path = out_dir / "comparison.csv"
    _write_csv(csv_path, COLUMNS, rows)
    sens = sensitivity_rows(rows)
    sens_csv = out_dir / "sensitivity.csv"
    _write_csv(sens_csv, SENSITIVITY_COLUMNS, sens)
    meta = comparison_meta(rows, s)
    sens_md = out_dir / "sensitivity.md"
    sens_md.write_text(sensitivity_markdown(sens, meta["capital_base_usd"]), encoding="utf-8")
    json_path = out_dir / "comparison.json"
    json_path.write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=1, sort_keys=True, default=str) + "\n",
        encoding="utf-8",
    )
    html_path = out_dir / "comparison.html"
    extra = sensitivity_html(sens, meta["capital_base_usd"])
    html_path.write_text(render_comparison_html(rows, png, extra), encoding="utf-8")
    return ComparisonResult(html_path, csv_path, chart, rows, json_path, sens_csv, sens_md, meta)


def comparison_meta(rows: Sequence[dict[str, object]], s: AnalysisSettings) -> dict[str, object]:
    """Return what the runs share: data id, period, capital base (or each distinct value)."""

    def common(key: str) -> object:
        vals = sorted({str(r.get(key)) for r in rows})
        if len(vals) == 1:
            return rows[0].get(key)
        return " / ".join(vals)

    return {
        "data_id": common("data_id"),
        "data_description": common("data_description"),
        "period_start": common("period_start"),
        "period_end": common("period_end"),
        "sessions": common("sessions"),
        "capital_base_usd": common("capital_base_usd"),
        "capital_base": common("capital_base"),
        "book": common("book"),
        "bootstrap_reps": s.bootstrap.reps,
        "bootstrap_block_sessions": s.bootstrap.block_sessions,
        "ci_level": s.bootstrap.ci_level,
        "n_runs": len(rows),
    }


def _write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]]) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([_csv_cell(r.get(c)) for c in columns])


def _csv_cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.6f}" if math.isfinite(v) else ""
    return "" if v is None else str(v)
