"""The dashboard's sweep page shows each row's claim intervals and its --band verdicts."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi.testclient import TestClient

from alvh.config.run import RunConfig
from alvh.sweep.grid import parse_vary
from alvh.sweep.runner import run_sweep
from alvh.web.app import create_app


def test_sweep_page_of_a_banded_sweep_has_the_band_columns(
    base_config: RunConfig, tmp_path: Path
) -> None:
    root = tmp_path / "served"
    varies = [parse_vary("hedge.preset=none,alvh-442")]
    o = run_sweep(base_config, varies, root / "sweeps" / "b", workers=0, band=("costs",))
    page = html.unescape(TestClient(create_app([root])).get("/sweep?name=sweeps/b").text)
    head = page.split('<table id="top"')[1].split("</thead>")[0]
    for c in ("claim1_verdict", "claim1_band", "claim3_cost_lo_pct", "claim3_cost_hi_pct"):
        assert f">{c}</th>" in head, c
    hedged = o.table[o.table["hedge.preset"] == "alvh-442"].iloc[0]
    assert hedged["band_runs"] == 3
    body = page.split('<table id="top"')[1].split("</tbody>")[0]
    assert f"<td>{hedged['claim1_band']}</td>" in body
