"""The Sweeps list, one sweep's page and its JSON, on the hand sweep of web_fixtures.py."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from web_fixtures import (
    SWEEP_FAILED,
    SWEEP_GRID,
    WF_DATES,
    WF_IB_GROWTH,
    WF_OOS_GROWTH,
    hand_sharpe,
    sweep_hash,
    write_hand_run,
    write_hand_sweep,
)

from alvh.web.app import create_app


@pytest.fixture
def sweep_root(tmp_path: Path) -> Path:
    root = tmp_path / "served"
    write_hand_sweep(root / "sweeps" / "hand")
    write_hand_run(root / "plain-run")
    return root


@pytest.fixture
def client(sweep_root: Path) -> TestClient:
    return TestClient(create_app([sweep_root]))


def test_sweeps_are_found_and_listed_with_their_luck_figures(client: TestClient) -> None:
    rows = client.get("/api/sweeps").json()
    assert [r["key"] for r in rows] == ["sweeps/hand"]
    r = rows[0]
    assert (r["configs"], r["ok"], r["failed"]) == (8, 7, 1)
    assert r["varied"] == ["a", "b", "c"]
    assert r["data_ids"] == ["syn-hand"]
    # Best by Sharpe among the ok configs: #6 (a=2, b=y, c=10) = 4 + 10 + 1 = 15.
    assert r["select"] == "sharpe"
    assert r["best"] == {"config_hash": sweep_hash(6), "value": 15.0}
    assert (r["dsr"], r["pbo"], r["spa_p"]) == (0.4321, 0.25, 0.0375)
    assert r["walk_forward"] and r["kept_runs"]
    html = client.get("/sweeps").text
    assert 'href="/sweep?name=sweeps/hand"' in html and "0.432" in html
    # The sweep's kept run is a run too; the sweep folder itself is not.
    runs = [x["key"] for x in client.get("/api/runs").json()]
    assert runs == ["plain-run", f"sweeps/hand/runs/{sweep_hash(6)}"]


def test_heat_map_means_over_the_other_key_with_counts(client: TestClient) -> None:
    h = client.get(
        "/api/sweep/heat", params={"name": "sweeps/hand", "x": "a", "y": "b", "metric": "sharpe"}
    ).json()
    assert (h["x"], h["y"]) == (["1", "2"], ["x", "y"])
    # Worked by hand in web_fixtures.py: the failed #7 is left out of its cell.
    np.testing.assert_allclose(h["z"], [[3.5, 5.5], [13.5, 15.0]], rtol=0, atol=1e-12)
    assert h["n"] == [[2, 2], [2, 1]]
    assert not h["lower_is_better"]


@pytest.mark.parametrize(("x", "y"), [("c", "a"), ("b", "c"), ("a", "a")])
def test_heat_map_over_any_two_keys_matches_a_direct_mean(
    client: TestClient, x: str, y: str
) -> None:
    h = client.get(
        "/api/sweep/heat", params={"name": "sweeps/hand", "x": x, "y": y, "metric": "cagr_pct"}
    ).json()
    pos = {"a": 0, "b": 1, "c": 2}
    for iy, yv in enumerate(h["y"]):
        for ix, xv in enumerate(h["x"]):
            vals = [
                2 * hand_sharpe(*g)
                for i, g in enumerate(SWEEP_GRID)
                if i != SWEEP_FAILED and str(g[pos[x]]) == xv and str(g[pos[y]]) == yv
            ]
            got = h["z"][iy][ix]
            if not vals:
                assert got is None, (xv, yv)
            else:
                assert math.isclose(got, sum(vals) / len(vals), abs_tol=1e-6), (xv, yv)


@pytest.mark.parametrize(
    "params",
    [
        {"x": "a", "y": "nope", "metric": "sharpe"},
        {"x": "a", "y": "b", "metric": "status"},
        {"x": "sharpe", "y": "b", "metric": "sharpe"},
        {"x": "a", "y": "b", "metric": "__class__"},
    ],
)
def test_heat_map_refuses_a_column_that_is_not_a_key_or_metric(
    client: TestClient, params: dict[str, str]
) -> None:
    r = client.get("/api/sweep/heat", params={"name": "sweeps/hand", **params})
    assert r.status_code == 400
    assert "expected one of" in r.json()["detail"]


def test_top_table_sorted_by_the_chosen_metric_with_every_column(client: TestClient) -> None:
    j = client.get("/api/sweep", params={"name": "sweeps/hand"}).json()
    assert j["varied"] == ["a", "b", "c"]
    assert j["metrics"] == ["sharpe", "cagr_pct", "volatility_pct", "max_drawdown_pct"]
    assert j["other_columns"] == ["claim_verdict"]
    got = [r["index"] for r in j["rows"]]
    # Sharpe descending over the ok configs, then the failed one.
    ok = sorted(
        (i for i in range(8) if i != SWEEP_FAILED), key=lambda i: -hand_sharpe(*SWEEP_GRID[i])
    )
    assert got == [*ok, SWEEP_FAILED]
    assert j["run_keys"] == {sweep_hash(6): f"sweeps/hand/runs/{sweep_hash(6)}"}
    by_vol = client.get("/api/sweep", params={"name": "sweeps/hand", "sort": "volatility_pct"})
    assert [r["index"] for r in by_vol.json()["rows"]][:3] == [6, 5, 4]


def test_sweep_page_shows_table_luck_walk_forward_and_links_kept_runs(client: TestClient) -> None:
    r = client.get("/sweep", params={"name": "sweeps/hand"})
    assert r.status_code == 200
    html = r.text
    # Verdict column shown, the failed config's message escaped, the kept run linked.
    assert "<th>claim_verdict</th>" in html and "not supported" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x</script>" not in html
    assert f'href="/run?run=sweeps/hand/runs/{sweep_hash(6)}"' in html
    assert html.count("open run") == 1
    # The luck figures and the walk-forward summary.
    assert "0.4321" in html and "0.2500" in html and "0.0375" in html
    assert "walk-forward, out of sample" in html and "50.00" in html and "-20.00" in html
    # Selects of the heat map hold every varied key and every metric.
    for k in ("a", "b", "c", "sharpe", "max_drawdown_pct"):
        assert f'<option value="{k}"' in html
    # The linked run page opens.
    assert (
        client.get("/run", params={"run": f"sweeps/hand/runs/{sweep_hash(6)}"}).status_code == 200
    )


def test_walk_forward_curves_rebuilt_from_the_equity_files(client: TestClient) -> None:
    c = client.get("/api/sweep/curves", params={"name": "sweeps/hand"}).json()
    wf = c["walk_forward"]["curves"]
    assert wf["out_of_sample"]["dates"] == WF_DATES[1:]
    np.testing.assert_allclose(wf["out_of_sample"]["growth"], WF_OOS_GROWTH, rtol=1e-12)
    np.testing.assert_allclose(wf["insample_best"]["growth"], WF_IB_GROWTH, rtol=1e-12)
    # The curve ends where walk_forward.json's total return says it does (+50 %).
    total = c["walk_forward"]["json"]["out_of_sample"]["total_return_pct"]
    assert math.isclose((wf["out_of_sample"]["growth"][-1] - 1) * 100, total)
    # Top configs by Sharpe with an equity file: #6 first, then #0 (#2, #3... have none).
    assert list(c["top"]) == [sweep_hash(6)]
    assert c["top"][sweep_hash(6)]["equity_usd"][-1] == 150.0


def test_a_sweep_without_luck_walk_forward_or_parquet_still_shows(tmp_path: Path) -> None:
    root = tmp_path / "s"
    sw = write_hand_sweep(root / "bare", keep_run_of=None)
    for f in ("luck.json", "walk_forward.json", "results.parquet"):
        (sw / f).unlink()
    client = TestClient(create_app([root]))
    html = client.get("/sweep", params={"name": "bare"}).text
    assert "has no <code>luck.json</code>" in html
    assert "has no <code>walk_forward.json</code>" in html
    assert "rerun the sweep with <code>--keep-runs</code>" in html
    j = client.get("/api/sweep", params={"name": "bare"}).json()
    assert j["summary"]["select"] == "sharpe" and len(j["rows"]) == 8
    assert client.get("/api/sweep/curves", params={"name": "bare"}).json()["walk_forward"] == {}


def test_unknown_sweep_and_bad_sort_are_errors(client: TestClient) -> None:
    assert client.get("/sweep", params={"name": "nope"}).status_code == 404
    assert client.get("/sweep", params={"name": "plain-run"}).status_code == 404
    assert client.get("/sweep", params={"name": "sweeps/hand", "sort": "status"}).status_code == 400
    assert client.get("/sweep", params={"name": "sweeps/hand", "limit": 0}).status_code == 422


def test_no_sweeps_says_how_to_make_one(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    html = TestClient(create_app([tmp_path / "empty"])).get("/sweeps").text
    assert "No sweep folders found" in html and "alvh sweep" in html


def test_a_real_sweep_folder_reads_end_to_end(tmp_path: Path) -> None:
    # A small alvh sweep on the synthetic market (2 configs x 3 months, kept runs and a
    # walk-forward): what the page reads is what alvh sweep writes.
    from alvh.cli.app import main

    out = tmp_path / "served" / "sw"
    code = main(
        [
            "sweep",
            "--preset",
            "ic-ladder",
            "--vary",
            "hedge.preset=none,alvh-442",
            "--data",
            "synthetic",
            "--start",
            "2018-01-02",
            "--end",
            "2018-04-30",
            "--out",
            str(out),
            "--workers",
            "0",
            "--keep-runs",
            "--walk-forward",
            "train=1m,test=1m",
        ]
    )
    assert code == 0
    client = TestClient(create_app([tmp_path / "served"]))
    j = client.get("/api/sweep", params={"name": "sw"}).json()
    assert j["varied"] == ["hedge.preset"] and "sharpe" in j["metrics"]
    assert len(j["rows"]) == 2 and len(j["run_keys"]) == 2
    for h, key in j["run_keys"].items():
        assert key == f"sw/runs/{h}"
        assert client.get("/run", params={"run": key}).status_code == 200
    heat = client.get(
        "/api/sweep/heat",
        params={"name": "sw", "x": "hedge.preset", "y": "hedge.preset", "metric": "sharpe"},
    ).json()
    assert heat["x"] == ["alvh-442", "none"] and heat["n"] == [[1, 0], [0, 1]]
    c = client.get("/api/sweep/curves", params={"name": "sw"}).json()
    wf = c["walk_forward"]
    # The rebuilt out-of-sample curve ends at the total return alvh sweep wrote (6 digits kept).
    total = wf["json"]["out_of_sample"]["total_return_pct"]
    assert (wf["curves"]["out_of_sample"]["growth"][-1] - 1) * 100 == pytest.approx(total, abs=1e-3)
    ib = wf["json"]["insample_best_same_sessions"]["total_return_pct"]
    assert (wf["curves"]["insample_best"]["growth"][-1] - 1) * 100 == pytest.approx(ib, abs=1e-3)
    assert client.get("/sweep", params={"name": "sw"}).text.count("open run") == 2
