"""Comparison rows at matched risk: sizing convention, return over cash, costs, band verdicts.

``alvh compare`` puts every hedged run beside the run without a hedge (preset ``none``). Under
own sizing (the default) each of them sizes its condors on its own equity, so the two carry the
same condor risk per dollar of their own equity: the comparison is at matched risk, and the
whole-period figures (``vs_none_*``) compare the hedged book with that run, not with the twin
inside the hedged run (whose condors were sized on the hedged book's equity). Under twin sizing
the row says so and shows the hedged book's condor max loss in % of its own equity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from alvh.report.band import NO_CLAIMS, band_verdict
from alvh.report.excess import excess_and_costs
from alvh.report.rundir import RunData

SIZING_LABEL = {"hedged": "own sizing (matched risk)", "unhedged": "twin sizing"}

Row = dict[str, object]
# (axis, level, (claim 1, claim 2, claim 3) verdicts) of every run of a band, base first.
BandRuns = Sequence[tuple[str, str, Sequence[str]]]


def sizing_convention(run: RunData) -> str:
    """Return ``hedged`` (own sizing) or ``unhedged`` (twin sizing) for a run directory.

    Run directories written before own sizing became the default have no
    ``capital.size_condors_on`` in their config when it was the default then: ``unhedged``.
    """
    cfg = run.summary.get("config")
    cap = cfg.get("capital") if isinstance(cfg, dict) else None
    v = cap.get("size_condors_on") if isinstance(cap, dict) else None
    return str(v) if v in ("hedged", "unhedged") else "unhedged"


def _f(x: object) -> float | None:
    return float(x) if isinstance(x, int | float) and math.isfinite(float(x)) else None


def excess_fields(run: RunData) -> Row:
    """Return the hedged book's return over cash, costs and condor risk, for a comparison row."""
    eq = run.equity
    out: Row = {"sizing": sizing_convention(run)}
    out["sizing_label"] = SIZING_LABEL[str(out["sizing"])]
    ex = excess_and_costs(eq, run.condors, "hedged")
    for k, v in ex.items():
        out[k] = _f(v)
    if out["sizing"] == "unhedged" and run.hedge_enabled:
        out["twin_sizing_note"] = twin_sizing_note(run.label, out)
    return out


def twin_sizing_note(label: str, row: Row) -> str:
    """Return the sentence that labels a twin-sized hedged run and its leverage."""
    mean = row.get("condor_max_loss_pct_of_equity_mean")
    peak = row.get("condor_max_loss_pct_of_equity_peak")
    fmt = "{:.0f}%"
    m = fmt.format(mean) if isinstance(mean, float) else "n/a"
    p = fmt.format(peak) if isinstance(peak, float) else "n/a"
    return (
        f"{label}: twin sizing - its condors were sized on the unhedged twin's equity; their max "
        f"loss was {m} of the hedged book's own equity on average (peak {p}), not the tiers' caps"
    )


def add_matched_risk(rows: list[Row]) -> None:
    """Add, to each hedged row, its whole-period figures against the comparison's no-hedge run.

    ``vs_none_label``, ``none_max_drawdown_pct``, ``none_cagr_pct``, ``none_excess_cagr_pct``,
    ``vs_none_dd_reduction`` (``1 - maxDD(hedged) / maxDD(no hedge)``, negative: deeper) and
    ``vs_none_cagr_diff_pct``. Rows stay unchanged when the comparison has no no-hedge run.
    """
    none = [r for r in rows if not r.get("hedge_enabled")]
    if not none:
        return
    ref = none[0]
    dd0, cagr0 = _f(ref.get("max_drawdown_pct")), _f(ref.get("cagr_pct"))
    for r in rows:
        if not r.get("hedge_enabled"):
            continue
        r["vs_none_label"] = ref.get("label")
        r["none_max_drawdown_pct"] = dd0
        r["none_cagr_pct"] = cagr0
        r["none_excess_cagr_pct"] = ref.get("excess_cagr_pct")
        dd, cagr = _f(r.get("max_drawdown_pct")), _f(r.get("cagr_pct"))
        r["vs_none_dd_reduction"] = 1.0 - dd / dd0 if dd is not None and dd0 else None
        r["vs_none_cagr_diff_pct"] = (
            cagr - cagr0 if cagr is not None and cagr0 is not None else None
        )


def add_bands(rows: list[Row], bands: Mapping[str, BandRuns]) -> None:
    """Add each claim's band verdict (``claimN_band``) to the rows, keyed by row label.

    A row without a hedge gets ``n/a``; a hedged row without band runs gets its single-run
    verdict and ``band_runs = 1``.
    """
    for r in rows:
        if not r.get("hedge_enabled"):
            for n in (1, 2, 3):
                r[f"claim{n}_band"] = NO_CLAIMS.text
            r["band_runs"] = 0
            continue
        runs = bands.get(str(r.get("label")))
        if not runs:
            for n in (1, 2, 3):
                r[f"claim{n}_band"] = f"{r.get(f'claim{n}')} (one run, no band)"
            r["band_runs"] = 1
            continue
        r["band_runs"] = len(runs)
        r["band_scenarios"] = [
            {"axis": a, "level": lv, "claim1": v[0], "claim2": v[1], "claim3": v[2]}
            for a, lv, v in runs
        ]
        for n in (1, 2, 3):
            bv = band_verdict([(a, lv, v[n - 1]) for a, lv, v in runs])
            r[f"claim{n}_band"] = bv.text
            r[f"claim{n}_band_kind"] = bv.kind
