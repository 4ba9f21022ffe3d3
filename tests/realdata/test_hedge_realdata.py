"""Issue 5 real-data checks: the ALVH hedge (ic-ladder + alvh-442, 2006 to the end of the data).

On each stress window the journal shows the hedge triggers that fired, with finite inputs that
match the raw CBOE/CFE files (read here straight from the shared data, not from the store); the
futures layer's P&L by window is compared with a constant long front-month VX future.
"""

from __future__ import annotations

import io
import json
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from alvh.backtest import run
from alvh.cli.app import build_app
from alvh.config.load import config_with_overrides, dump_toml, load_preset
from alvh.config.run import RunConfig
from alvh.engine.result import BacktestResult
from alvh.market.data import MarketData
from alvh.report.attribution import front_vx_pnl_by_window, layer_pnl_by_window
from alvh.runs import write_run_dir
from alvh.strategy.rules import JournalEntry

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

# Stress windows (inclusive); single dates get the sessions around them.
STRESS = {
    "2008-10": ("2008-10-01", "2008-10-31"),
    "2011-08": ("2011-08-01", "2011-08-31"),
    "2015-08": ("2015-08-01", "2015-08-31"),
    "2018-02-05": ("2018-02-01", "2018-02-08"),
    "2020-03": ("2020-03-01", "2020-03-31"),
    "2022-09-13": ("2022-09-08", "2022-09-16"),
}
PNL_WINDOWS = {
    "2017": (date(2017, 1, 1), date(2017, 12, 31)),
    "2018-02-01..09": (date(2018, 2, 1), date(2018, 2, 9)),
    "2020-02-20..03-31": (date(2020, 2, 20), date(2020, 3, 31)),
}
VX_LAYER = "pnl_hedge_vx_futures_usd"

Journal = dict[pd.Timestamp, list[JournalEntry]]
Dated = tuple[pd.Timestamp, JournalEntry]


@pytest.fixture(scope="module")
def cfg() -> RunConfig:
    return config_with_overrides(
        load_preset("ic-ladder"),
        **{
            "data.source": "store",
            "data.start": date(2006, 1, 3),
            "data.end": date(2026, 12, 31),
            "hedge.preset": "alvh-442",
        },
    )


@pytest.fixture(scope="module")
def hedged(cfg: RunConfig, real_market: MarketData) -> BacktestResult:
    return run(cfg, real_market)


@pytest.fixture(scope="module")
def journal(hedged: BacktestResult) -> Journal:
    return {pd.Timestamp(d): list(es) for d, es in hedged.journal}


@pytest.fixture(scope="module")
def vix_close(shared_data: Path) -> pd.Series:
    f = pd.read_csv(shared_data / "vix_daily_cboe_1990_2026.csv", parse_dates=["date"])
    return f.set_index("date")["close"]


@pytest.fixture(scope="module")
def vx_panel(shared_data: Path) -> pd.DataFrame:
    f = pd.read_csv(
        shared_data / "vx_settle_panel_2004_2026.csv.gz", parse_dates=["trade_date", "expiry"]
    )
    return f[["trade_date", "contract", "expiry", "settle"]]


def _vxn(panel: pd.DataFrame, day: str, n: int) -> float:
    """VXn settle from the raw panel: the n-th contract expiring strictly after ``day``."""
    d = pd.Timestamp(day)
    rows = panel[(panel["trade_date"] == d) & (panel["expiry"] > d)].sort_values("expiry")
    return float(rows["settle"].iloc[n - 1])


def _entries(journal: Journal, hedged: BacktestResult, span: tuple[str, str]) -> list[Dated]:
    days = hedged.daily.loc[span[0] : span[1]].index
    return [(d, e) for d in days for e in journal[d] if e.rule.startswith("hedge.trigger.")]


def _entry(journal: Journal, day: str, rule: str) -> JournalEntry:
    (e,) = [e for e in journal[pd.Timestamp(day)] if e.rule == rule]
    return e


def test_hedged_run_covers_2006_to_the_end_of_the_data(hedged: BacktestResult) -> None:
    assert hedged.start == pd.Timestamp("2006-01-03")
    assert hedged.end >= pd.Timestamp("2026-07-01")
    assert hedged.source.kind == "store"
    hedge = hedged.config["hedge"]
    assert isinstance(hedge, dict) and hedge["preset"] == "alvh-442"


@pytest.mark.parametrize("window", list(STRESS))
def test_hedge_triggers_fire_in_each_stress_window_with_real_inputs(
    hedged: BacktestResult, journal: Journal, vix_close: pd.Series, window: str
) -> None:
    fired = [(d, e) for d, e in _entries(journal, hedged, STRESS[window]) if e.outcome == "fired"]
    rules = {e.rule for _, e in fired}
    # VIX jumped >= 15% over 2 sessions inside every one of these windows, and SPX came within
    # 0.65 SD of a short strike: both triggers must have fired.
    assert {"hedge.trigger.iv_shift", "hedge.trigger.proximity"} <= rules, rules
    for _, e in fired:
        nums = [v for v in e.inputs.values() if isinstance(v, int | float)]
        assert nums and all(math.isfinite(v) for v in nums), (e.rule, e.inputs)
    sessions = hedged.daily.index
    for d, e in fired:
        if e.rule == "hedge.trigger.iv_shift":
            # the IV is the real VIX close, and the base is the close two sessions earlier
            before = sessions[sessions.get_loc(d) - 2]
            assert e.inputs["iv_now"] == pytest.approx(vix_close[d])
            assert e.inputs["iv_before"] == pytest.approx(vix_close[before])
            change = vix_close[d] / vix_close[before] - 1.0
            assert e.inputs["change"] == pytest.approx(change)
            assert change >= e.inputs["threshold"] >= 0.15
        if e.rule == "hedge.trigger.proximity":
            # distance to the short strike in SDs, recomputed from the journaled numbers
            i = e.inputs
            gap = i["spot"] - i["level"] if i["side"] == "put" else i["level"] - i["spot"]
            assert i["sd"] > 0
            assert i["min_z"] == pytest.approx(gap / i["sd"])
            assert i["min_z"] <= i["z_limit"]


def test_2018_02_05_vix_nearly_tripled_and_the_curve_inverted(
    journal: Journal, vix_close: pd.Series, vx_panel: pd.DataFrame
) -> None:
    # Real closes: VIX 13.47 on 2018-02-01, 37.32 on 2018-02-05 (two sessions later).
    rise = vix_close["2018-02-05"] / vix_close["2018-02-01"] - 1.0
    assert rise > 1.5
    iv = _entry(journal, "2018-02-05", "hedge.trigger.iv_shift")
    assert iv.outcome == "fired" and iv.inputs["change"] == pytest.approx(rise)
    assert f"IV shift {rise:+.1%} over 2 sessions" in iv.reason
    ts = _entry(journal, "2018-02-05", "hedge.trigger.term_structure")
    vx1, vx2 = _vxn(vx_panel, "2018-02-05", 1), _vxn(vx_panel, "2018-02-05", 2)
    assert vx2 < vx1  # the raw settlements are inverted (VXG18 over VXH18)
    assert ts.outcome == "fired" and ts.inputs["regime"] == "backwardation"
    assert (ts.inputs["vx1"], ts.inputs["vx2"]) == pytest.approx((vx1, vx2))
    assert "backwardation" in ts.reason
    # on the spike the hedge took its gains: monetise decisions journaled that day
    acts = [e for e in journal[pd.Timestamp("2018-02-05")] if e.rule == "hedge.decision.monetise"]
    assert {e.inputs["layer"] for e in acts} == {1, 2, 3}


def test_march_2020_the_journal_calls_the_curve_inverted_on_every_session(
    hedged: BacktestResult, journal: Journal, vx_panel: pd.DataFrame
) -> None:
    days = hedged.daily.loc["2020-03-01":"2020-03-31"].index
    assert len(days) == 22
    for d in days:
        day = str(d.date())
        ts = _entry(journal, day, "hedge.trigger.term_structure")
        vx1, vx2 = _vxn(vx_panel, day, 1), _vxn(vx_panel, day, 2)
        assert vx2 / vx1 < 1.0, day  # the raw curve is inverted ...
        assert ts.outcome == "fired" and ts.inputs["regime"] == "backwardation", (
            day
        )  # ... and so says the journal
        assert ts.inputs["vx2"] / ts.inputs["vx1"] == pytest.approx(vx2 / vx1), day
    # SOURCES.md spot value: VX1 (VXH20) settled 72.625 on 2020-03-16
    assert _entry(journal, "2020-03-16", "hedge.trigger.term_structure").inputs["vx1"] == 72.625


def test_2022_09_13_cpi_shock_fires_iv_shift_while_the_curve_stays_in_contango(
    journal: Journal, vix_close: pd.Series, shared_data: Path
) -> None:
    cpi = pd.read_csv(shared_data / "cpi_release_dates_2015_2026.csv", parse_dates=["release_date"])
    assert pd.Timestamp("2022-09-13") in set(cpi["release_date"])
    for day in ("2022-09-09", "2022-09-12"):  # the two sessions before the release
        m = _entry(journal, day, "hedge.trigger.macro")
        assert m.outcome == "fired" and m.inputs["event"] == "CPI"
        assert m.inputs["event_date"] == "2022-09-13"
    iv = _entry(journal, "2022-09-13", "hedge.trigger.iv_shift")
    assert iv.outcome == "fired"
    assert iv.inputs["change"] == pytest.approx(
        vix_close["2022-09-13"] / vix_close["2022-09-09"] - 1
    )
    ts = _entry(journal, "2022-09-13", "hedge.trigger.term_structure")
    assert ts.outcome == "clear" and ts.inputs["regime"] == "contango"
    assert ts.inputs["vx2"] > ts.inputs["vx1"]


def test_cli_journal_prints_the_hedge_triggers_of_2018_02_05(
    hedged: BacktestResult,
    cfg: RunConfig,
    vix_close: pd.Series,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    run_dir = write_run_dir(hedged, tmp_path_factory.mktemp("runs") / "alvh442", dump_toml(cfg))
    app = build_app()
    args = ["journal", str(run_dir), "--date", "2018-02-05", "--rule", "hedge.trigger"]
    table = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert table.exit_code == 0, table.output
    for rule in (
        "hedge.trigger.iv_shift",
        "hedge.trigger.term_structure",
        "hedge.trigger.proximity",
    ):
        assert rule in table.output
    rise = vix_close["2018-02-05"] / vix_close["2018-02-01"] - 1.0
    assert f"IV shift {rise:+.1%} over 2 sessions" in table.output
    assert "hedge.decision" not in table.output  # the --rule prefix filters
    res = CliRunner().invoke(app, [*args, "--csv"])
    assert res.exit_code == 0, res.output
    rows = pd.read_csv(io.StringIO(res.output))
    assert set(rows["date"]) == {"2018-02-05"}
    by_rule = rows.set_index("rule")
    assert by_rule.loc["hedge.trigger.iv_shift", "outcome"] == "fired"
    inputs = json.loads(by_rule.loc["hedge.trigger.iv_shift", "inputs_json"])
    assert (inputs["iv_now"], inputs["iv_before"]) == (37.32, 13.47)
    assert json.loads(by_rule.loc["hedge.trigger.term_structure", "inputs_json"])["regime"] == (
        "backwardation"
    )


def _vx_contracts_held(hedged: BacktestResult, span: tuple[date, date]) -> pd.Series:
    """VX futures contracts held by the hedge layer per session (VX + VXM, as counted)."""
    h = hedged.hedge_layers
    h = h[h["layer"] == "vx_futures"].set_index(
        pd.to_datetime(h[h["layer"] == "vx_futures"]["date"])
    )
    held = h["contracts"].reindex(hedged.daily.index, fill_value=0.0)
    return held.loc[pd.Timestamp(span[0]) : pd.Timestamp(span[1])]


def test_futures_layer_pays_carry_in_2017_and_gains_on_the_2018_and_2020_spikes(
    hedged: BacktestResult,
) -> None:
    pnl = layer_pnl_by_window(hedged.daily, PNL_WINDOWS)
    # the rule held VX futures in each window (so the sign below is the layer's, not a zero)
    for name, span in PNL_WINDOWS.items():
        assert (_vx_contracts_held(hedged, span) > 0).any(), name
    assert pnl.loc["2017", VX_LAYER] < 0  # calm contango year: the roll cost
    assert pnl.loc["2018-02-01..09", VX_LAYER] > 0  # Feb 2018 spike
    assert pnl.loc["2020-02-20..03-31", VX_LAYER] > 0  # Covid crash
    # in both spikes the condor tiers lost; the hedge layers together gained
    for name in ("2018-02-01..09", "2020-02-20..03-31"):
        tiers = pnl.loc[name, [c for c in pnl.columns if c.startswith("pnl_tier_")]].sum()
        layers = pnl.loc[name, [c for c in pnl.columns if c.startswith("pnl_hedge_")]].sum()
        assert tiers < 0 < layers, name
    assert (pnl["costs_usd"] >= 0).all()


def test_a_constant_long_front_vx_loses_in_2017_and_gains_on_both_spikes(
    real_market: MarketData, vx_panel: pd.DataFrame
) -> None:
    ref = front_vx_pnl_by_window(real_market.tables["vx_settlements"], PNL_WINDOWS)
    assert ref.loc["2017", "pnl_vx_pts"] < 0
    assert ref.loc["2018-02-01..09", "pnl_vx_pts"] > 0
    assert ref.loc["2020-02-20..03-31", "pnl_vx_pts"] > 0
    assert ref.loc["2017", "sessions"] == 251
    # Feb 2018: VXG18 (expiry 2018-02-14) held throughout, so the window's P&L is its settle on
    # 2018-02-09 minus its settle on 2018-01-31, straight from the raw panel.
    assert ref.loc["2018-02-01..09", "contracts"] == "VXG18"
    g18 = vx_panel[vx_panel["contract"] == "VXG18"].set_index("trade_date")["settle"]
    assert ref.loc["2018-02-01..09", "pnl_vx_pts"] == pytest.approx(
        g18["2018-02-09"] - g18["2018-01-31"]
    )
    assert ref.loc["2018-02-01..09", "pnl_usd_per_contract"] == pytest.approx(
        1000.0 * (g18["2018-02-09"] - g18["2018-01-31"])
    )
