"""sweep.html: offline, the heat map's cells, the top table's order, the equity curves."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from alvh.sweep.grid import Vary
from alvh.sweep.page import heat_frame, write_page
from alvh.sweep.runner import SweepOutcome


def test_heat_frame_is_the_metric_per_pair_of_values(serial_sweep: SweepOutcome) -> None:
    t = serial_sweep.table
    hf = heat_frame(t, "tiers[0].strikes.short_delta", "hedge.preset", "sharpe")
    assert list(hf.columns) == [0.1, 0.16] and list(hf.index) == ["alvh-442", "none"]
    # One config per cell on a 2 x 2 grid: the cell is that config's Sharpe.
    row = t[(t["tiers[0].strikes.short_delta"] == 0.16) & (t["hedge.preset"] == "none")]
    assert hf.loc["none", 0.16] == row["sharpe"].iloc[0]


def test_page_is_offline_and_ranks_the_configs(
    serial_sweep: SweepOutcome, varies: list[Vary]
) -> None:
    t = serial_sweep.table
    p = write_page(serial_sweep.out, t, varies, "sharpe", top=3)
    doc = p.read_text()
    assert not re.search(r"<script[^>]+src=", doc)  # plotly inlined: opens offline
    assert 'id="heat"' in doc and 'id="equity"' in doc
    body = doc.split('class="sortable"')[1].split("</tbody>")[0]
    ranked = re.findall(r"<td class=\"l\">([0-9a-f]{16})</td>", body)
    expect = t.sort_values("sharpe", ascending=False)["config_hash"].head(3).tolist()
    assert ranked == expect
    # Same sweep, same bytes (fixed chart ids, no timestamps).
    assert write_page(serial_sweep.out, t, varies, "sharpe", top=3).read_text() == doc
    assert np.isfinite(t["sharpe"]).all()


def test_page_of_a_sweep_where_every_config_failed(
    serial_sweep: SweepOutcome, varies: list[Vary], tmp_path: Path
) -> None:
    t = serial_sweep.table.assign(status="error", error="boom")
    doc = write_page(tmp_path, t, varies, "sharpe").read_text()
    assert "4 failed" in doc and 'id="heat"' not in doc
