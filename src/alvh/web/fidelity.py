"""Read a fidelity report folder (``alvh fidelity --out DIR``) for the Fidelity page.

The page is rendered from ``fidelity.json`` (docs/fidelity.md): the index replicas' figures per
window and their calendar years, the chains' implied-vol errors by bucket and per quote date,
the VIX-option section, the notes. Fields are read defensively (a missing one shows blank).
"""

from __future__ import annotations

from typing import Any

from alvh.web.data import _stamp, _summary_cached
from alvh.web.runs_index import RunRef, fidelity_file

WINDOWS = ("in_sample", "out_of_sample", "whole")
# The goals for an index replica, out of sample (docs/fidelity.md): shown beside the
# figures, never used to change them.
GOALS = {
    "monthly_corr": ">= 0.95",
    "cagr_gap_pp": "|gap| <= 1 pp",
    "max_dd_gap_pp": "|gap| <= 3 pp",
    "sign_agree_years": ">= 16 of 19 years",
}


def report(ref: RunRef) -> dict[str, Any]:
    """Return ``fidelity.json`` as a dict (empty if absent)."""
    p = fidelity_file(ref, "fidelity.json")
    if p is None:
        return {}
    return _summary_cached(_stamp(p))


def shaped(rep: dict[str, Any]) -> dict[str, Any]:
    """Return ``rep`` with its top-level fields of the shape the page iterates over.

    A field of another type (a newer or damaged file) becomes empty rather than being walked
    character by character or failing the page.
    """
    out = dict(rep)
    for k in ("indexes", "chains", "notes"):
        out[k] = [x for x in _lst(rep.get(k)) if k == "notes" or isinstance(x, dict)]
    vix = _lst(rep.get("vix"))
    out["vix"] = [x for x in vix if isinstance(x, dict)] or None
    for k in ("data", "definitions"):
        out[k] = _dict(rep.get(k))
    return out


def _dict(v: object) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _lst(v: object) -> list[Any]:
    return v if isinstance(v, list) else []


def index_rows(rep: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one row per index and window: the figures of its ``windows`` entry."""
    rows = []
    for ix in _lst(rep.get("indexes")):
        ix = _dict(ix)
        wins = _dict(ix.get("windows"))
        for w in [*WINDOWS, *(k for k in wins if k not in WINDOWS)]:
            if w in wins:
                m = _dict(wins[w])
                n_years = m.get("n_years")
                rows.append({"name": ix.get("name"), "window": w, **m, "n_years": n_years})
    return rows


def row_meets(row: dict[str, Any]) -> dict[str, bool | None]:
    """Return, per goal figure, whether the row meets the issue's goal (None if unknown)."""

    def ok(v: object, test: Any) -> bool | None:
        return None if not isinstance(v, int | float) else bool(test(float(v)))

    years = row.get("n_years")
    agree = row.get("sign_agree_years")
    return {
        "monthly_corr": ok(row.get("monthly_corr"), lambda v: v >= 0.95),
        "cagr_gap_pp": ok(row.get("cagr_gap_pp"), lambda v: abs(v) <= 1.0),
        "max_dd_gap_pp": ok(row.get("max_dd_gap_pp"), lambda v: abs(v) <= 3.0),
        # 16 of 19 years, scaled to the window's length.
        "sign_agree_years": (
            None
            if not isinstance(agree, int) or not isinstance(years, int) or years == 0
            else agree / years >= 16 / 19
        ),
    }
