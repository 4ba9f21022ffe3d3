"""sweep.html: offline, the heat map's cells, the top table's order, the equity curves."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from alvh.errors import ConfigError
from alvh.sweep.grid import Vary, parse_vary
from alvh.sweep.page import heat_data, heat_frame, heat_pairs, write_page
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


def test_heat_pairs_put_the_chosen_pair_first_and_refuse_unknown_keys() -> None:
    vs = [parse_vary(v) for v in ("a.b=1,2", "c=x,y", "d=3,4")]
    assert heat_pairs(vs, None) == [("a.b", "c"), ("a.b", "d"), ("c", "d")]
    assert heat_pairs(vs, ("d", "c")) == [("d", "c"), ("a.b", "c"), ("a.b", "d")]
    with pytest.raises(ConfigError, match="one of the varied keys"):
        heat_pairs(vs, ("a.b", "e"))
    with pytest.raises(ConfigError, match="two different"):
        heat_pairs(vs, ("c", "c"))
    assert heat_pairs(vs[:1], None) == []


def test_page_embeds_every_pair_and_metric_and_the_verdicts(
    serial_sweep: SweepOutcome, varies: list[Vary]
) -> None:
    t = serial_sweep.table
    x, y = "hedge.preset", "tiers[0].strikes.short_delta"
    doc = write_page(serial_sweep.out, t, varies, "sharpe", heat=(x, y)).read_text()
    blob = doc.split('id="heat-data">')[1].split("</script>")[0]
    data = json.loads(blob)
    assert data == json.loads(json.dumps(heat_data(t, varies, [(x, y)])))
    # The swapped pair: hedge preset across, short delta down; one config per cell.
    cell = data[f"{x}|{y}"]["cagr_pct"]
    assert cell["x"] == ["alvh-442", "none"] and cell["y"] == ["0.1", "0.16"]
    one = t[(t["hedge.preset"] == "none") & (t["tiers[0].strikes.short_delta"] == 0.16)]
    assert cell["z"][1][1] == one["cagr_pct"].iloc[0]
    assert f"sharpe over {x} and {y}" in doc  # the chosen pair is the one drawn first
    # The claims' verdicts are columns of the top table, coloured by verdict.
    head = doc.split('class="sortable"')[1].split("</thead>")[0]
    assert "claim1_verdict" in head and "claim3_verdict" in head
    for v in t.loc[t["hedge.preset"] == "alvh-442", "claim3_verdict"]:
        assert v in ("holds", "does not hold", "inconclusive")
    assert "The three claims, per config" in doc


def test_page_shows_the_walk_forward(serial_sweep: SweepOutcome, varies: list[Vary]) -> None:
    from alvh.sweep.walkforward import parse_walk_forward, walk_forward

    t = serial_sweep.table
    wf = walk_forward(serial_sweep.out, t, parse_walk_forward("train=1m,test=1m"), "sharpe")
    doc = write_page(serial_sweep.out, t, varies, "sharpe", walk=wf).read_text()
    sec = doc.split("Walk-forward: train 1 months")[1]
    assert "out of sample (walk-forward)" in sec and "in-sample best" in sec
    for w in wf["windows"]:
        assert w["selected"] in sec


def test_luck_readings_follow_the_thresholds() -> None:
    from alvh.sweep.page import luck_readings

    def luck(dsr: float, pbo: float, p: float) -> dict[str, object]:
        return {"deflated_sharpe": {"dsr": dsr}, "pbo": {"pbo": pbo}, "spa": {"p_consistent": p}}

    lucky = luck_readings(luck(0.21, 0.62, 0.77))
    assert "not distinguishable" in lucky[0] and "does not carry over" in lucky[1]
    assert "no hedged config beats" in lucky[2]
    skill = luck_readings(luck(0.97, 0.1, 0.01))
    assert "is distinguishable" in skill[0] and "near 0" in skill[1]
    assert "some hedged config beats" in skill[2]


def test_top_table_shows_each_claims_interval_and_its_band_when_one_ran(
    serial_sweep: SweepOutcome, varies: list[Vary], tmp_path: Path
) -> None:
    t = serial_sweep.table
    for d in ("plain", "band"):  # the page reads each config's equity from its folder
        shutil.copytree(serial_sweep.out, tmp_path / d)
    doc = write_page(tmp_path / "plain", t, varies, "sharpe").read_text()
    head = doc.split('class="sortable"')[1].split("</thead>")[0]
    for c in ("claim1_dd_cut_lo_pct", "claim1_dd_cut_hi_pct", "claim3_cost_lo_pct"):
        assert f"<th>{c}</th>" in head
    assert "claim1_band" not in head  # no --band: no empty band columns
    hedged = t["hedge.preset"] == "alvh-442"
    banded = t.assign(
        claim1_band=np.where(hedged, "holds in all", "n/a"),
        claim1_band_kind=np.where(hedged, "holds", "n/a"),
        band_runs=np.where(hedged, 5.0, 1.0),
    )
    doc = write_page(tmp_path / "band", banded, varies, "sharpe").read_text()
    head, body = doc.split('class="sortable"')[1].split("</thead>")
    assert "<th>claim1_band</th>" in head
    assert '<td class="l holds">holds in all</td>' in body.split("</tbody>")[0]
    assert "across its band: holds 2, n/a 2" in doc
