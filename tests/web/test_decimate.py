"""Thinning the run page's series for drawing keeps every extreme (alvh.web.decimate)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from fastapi.testclient import TestClient

from alvh.web.decimate import change_indices, minmax_indices, series_view


def test_short_series_are_kept_whole() -> None:
    assert minmax_indices(np.arange(10.0), 10).tolist() == list(range(10))


def test_minmax_by_hand() -> None:
    # 12 values, max_points 6 -> (6 - 2) // 2 = 2 buckets of 6: [0..5], [6..11].
    v = np.array([5, 1, 9, 4, 4, 4, 7, 7, 0, 8, 3, 6], dtype=float)
    # Bucket 1: min 1 at 1, max 9 at 2; bucket 2: min 0 at 8, max 8 at 9; plus first and last.
    assert minmax_indices(v, 6).tolist() == [0, 1, 2, 8, 9, 11]


def test_ties_and_nan_keep_the_earliest_session() -> None:
    v = np.array([2, 2, 2, 2, np.nan, np.nan, np.nan, np.nan], dtype=float)
    # Two buckets of 4; the first is flat (min and max both at its first index), the second is
    # all NaN (its first index).
    assert minmax_indices(v, 6).tolist() == [0, 4, 7]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_extreme_survives_on_a_random_walk(seed: int) -> None:
    rng = np.random.default_rng(seed)
    v = 1e6 * np.cumprod(1 + rng.normal(0, 0.01, 5200))
    idx = minmax_indices(v, 800)
    assert len(idx) <= 800
    kept = v[idx]
    # The peak, the trough, and the worst drawdown measured on the kept points equal the full
    # series' (the drawdown's peak and trough are each some bucket's max and min).
    assert kept.max() == v.max() and kept.min() == v.min()
    dd_full = (v / np.maximum.accumulate(v) - 1).min()
    dd_kept = (kept / np.maximum.accumulate(kept) - 1).min()
    assert dd_kept == pytest.approx(dd_full, abs=1e-15)
    # Each bucket's range is the same on the kept points.
    edges = np.unique(np.linspace(0, len(v), (800 - 2) // 2 + 1).astype(int))
    for lo, hi in itertools.pairwise(edges):
        inside = idx[(idx >= lo) & (idx < hi)]
        assert v[inside].max() == v[lo:hi].max() and v[inside].min() == v[lo:hi].min()


def test_step_series_keep_their_change_points_only() -> None:
    v = np.array([0, 0, 2, 2, 2, 5, 5, 0, 0, 0], dtype=float)
    assert change_indices(v).tolist() == [0, 2, 5, 7, 9]
    # Redrawn as a step line (hold each kept value until the next kept date), it is exact.
    idx = change_indices(v)
    redrawn = [v[idx[idx <= i].max()] for i in range(len(v))]
    assert redrawn == v.tolist()


def test_series_view_windows_and_marks_layer_changes_with_vix() -> None:
    dates = [f"2020-01-{d:02d}" for d in range(1, 11)]
    full = {
        "dates": dates,
        "books": {
            "hedged": {"equity_usd": [float(i) for i in range(10)], "drawdown_pct": [0.0] * 10}
        },
        "market": {"vix": [10.0 + i for i in range(10)]},
        "layers": {"vx_futures": [0.0, 0.0, 2.0, 2.0, 2.0, 2.0, 0.0, 0.0, 0.0, 0.0]},
        "layer_changes": [
            {"date": "2020-01-03", "layer": "vx_futures", "change": 2.0},
            {"date": "2020-01-07", "layer": "vx_futures", "change": -2.0},
        ],
        "costs_cum_usd": [1.0] * 10,
    }
    v = series_view(full, 800, "2020-01-04", "2020-01-08")
    assert v["books"]["hedged"]["equity_usd"] == {"x": dates[3:8], "y": [3.0, 4.0, 5.0, 6.0, 7.0]}
    assert v["view"]["sessions"] == 5 and v["view"]["start"] == "2020-01-04"
    # Only the change inside the window, with the VIX of its day.
    assert v["layer_changes"] == [
        {"date": "2020-01-07", "layer": "vx_futures", "change": -2.0, "vix": 16.0}
    ]
    assert v["layers"]["vx_futures"] == {
        "x": ["2020-01-04", "2020-01-07", "2020-01-08"],
        "y": [2.0, 0.0, 0.0],
    }


def test_api_series_thinned_over_a_window(hand_root) -> None:
    from alvh.web.app import create_app

    hand = TestClient(create_app([hand_root]))
    whole = hand.get("/api/series", params={"run": "hand"}).json()
    assert "view" not in whole and len(whole["dates"]) == 4
    v = hand.get("/api/series", params={"run": "hand", "points": 50, "start": "2020-01-31"}).json()
    assert v["books"]["hedged"]["equity_usd"]["x"] == ["2020-01-31", "2020-02-03", "2020-02-28"]
    assert v["books"]["hedged"]["drawdown_pct"]["y"] == pytest.approx([0.0, -10.0, -1.0])
    assert hand.get("/api/series", params={"run": "hand", "points": 10}).status_code == 422
    assert hand.get("/api/series", params={"run": "hand", "start": "2020-13-01"}).status_code == 400
