"""The condor tiers choose only expiries that were listed on the day they open.

The ladder here is the ic-ladder with every tier on ``product = "spxw"`` (the preset's tiers take
``"any"``; tests/engine/test_any_expiry.py checks that). Checked three ways: the engine's expiry pick for every session of 2005-2023 against a
brute-force choice among the listed expiries; a whole synthetic backtest of 2005-2023, where
every condor's expiry must have been listed on its open date; and a range no listed expiry can
serve, which is a typed error naming what is missing (and a CLI exit code 2).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.calendar.expiries import spx_expiries
from alvh.calendar.listings import NotListedError
from alvh.calendar.sessions import trading_calendar
from alvh.cli.app import main
from alvh.config.load import config_with_overrides, load_preset
from alvh.engine.from_config import engine_settings
from alvh.engine.loop import Engine
from alvh.market.synthetic import generate_market
from alvh.strategy.condor_rules import CondorEntries
from alvh.strategy.expiry_choice import ListedExpiries

SESSIONS = trading_calendar().sessions_in_range("2005-10-03", "2023-12-29")
WINDOWS = [(7, 21, 14), (30, 45, 38), (60, 90, 75), (1, 3, None)]
SPXW = {f"tiers[{i}].product": "spxw" for i in range(3)}  # the ladder on SPXW alone


@pytest.mark.parametrize("product", ["spx", "spxw", "any"])
@pytest.mark.parametrize(("dte_min", "dte_max", "target"), WINDOWS)
def test_every_pick_of_2005_2023_was_listed_and_is_the_best_listed_one(
    product: str, dte_min: int, dte_max: int, target: int | None
) -> None:
    frame = spx_expiries("2005-10-03", "2024-12-31", product)  # type: ignore[arg-type]
    listed = ListedExpiries(frame)
    picks = listed.choose_all(SESSIONS, dte_min, dte_max, target)
    exp = frame["expiry"].to_numpy("datetime64[D]")
    first = frame["listed_from"].to_numpy("datetime64[D]")
    goal = (dte_min + dte_max) / 2 if target is None else target
    for day, j in zip(SESSIONS, picks, strict=True):
        d = np.datetime64(day.date(), "D")
        # Brute force over the expiries of the window (a slice, for speed).
        lo, hi = np.searchsorted(exp, [d + max(dte_min, 1), d + dte_max + 1])
        dte = (exp[lo:hi] - d).astype(int)
        ok = first[lo:hi] <= d
        if not ok.any():
            assert j is None, (day, j)
            continue
        assert j is not None and first[j] <= d, (day, j)
        best = np.abs(dte[ok] - goal).min()
        assert abs((exp[j] - d).astype(int) - goal) == best, (day, str(exp[j]))


@pytest.fixture(scope="module")
def ladder_2005_2023() -> pd.DataFrame:
    """Condors of the SPXW ic-ladder on a synthetic market, 2005-11 to 2023 (unhedged)."""
    market = generate_market("2005-10-03", "2023-12-29", seed=5)
    cfg = config_with_overrides(
        load_preset("ic-ladder"), **SPXW, **{"data.start": "2005-11-01", "data.end": "2023-12-29"}
    )
    return Engine(engine_settings(cfg), market).run("listed").condors


@pytest.mark.slow
def test_no_condor_of_a_whole_backtest_used_an_unlisted_expiry(
    ladder_2005_2023: pd.DataFrame,
) -> None:
    c = ladder_2005_2023
    frame = spx_expiries("2005-11-01", "2025-12-31", "spxw")
    first = dict(zip(frame["expiry"], frame["listed_from"], strict=True))
    listed_from = c["expiry"].map(first)
    assert listed_from.notna().all()
    assert (listed_from <= c["open_date"]).all(), c[listed_from > c["open_date"]]
    # Before the May 2012 extension Weeklys were listed a week ahead: every condor of then is
    # on an expiry at most 8 days after its first listed day, or a Quarterly.
    early = c[c["open_date"] < "2012-05-31"]
    kinds = dict(zip(frame["expiry"], frame["kind"], strict=True))
    far = early[(early["expiry"] - early["open_date"]).dt.days > 8]
    assert set(far["expiry"].map(kinds)) <= {"eom"}
    # Every tier traded, and the short tier (7-21 DTE on Mondays) only once Weeklys were
    # listed more than a week ahead, or on a Quarterly.
    assert set(c["tier"]) == {"short", "medium", "long"}


def test_a_day_without_a_listed_expiry_journals_why() -> None:
    market = generate_market("2007-05-01", "2007-09-28", seed=5)
    cfg = config_with_overrides(
        load_preset("ic-ladder"), **SPXW, **{"data.start": "2007-06-01", "data.end": "2007-09-28"}
    )
    r = Engine(engine_settings(cfg), market).run("gap")
    day = pd.Timestamp("2007-06-04")  # a Monday entry day; see tests/calendar/test_listings
    e = next(e for d, es in r.journal if d == day for e in es if e.rule == "tier.medium.entry")
    assert e.outcome == "skipped" and e.inputs["no_listed_expiry"] is True
    assert e.reason == (
        "no SPXW expiry in 30-45 DTE listed on 2007-06-04 (listed ahead then: SPXW Friday "
        "Weeklys 8 days, SPX Quarterlys 366 days)"
    )


def test_a_range_no_listed_expiry_can_serve_is_a_typed_error() -> None:
    market = generate_market("1995-01-03", "1995-12-29", seed=5)
    cfg = config_with_overrides(
        load_preset("ic-ladder"), **SPXW, **{"data.start": "1995-01-03", "data.end": "1995-12-29"}
    )
    sessions = market.sessions("SPX")
    with pytest.raises(NotListedError) as err:
        s = engine_settings(cfg)
        CondorEntries(s.tiers, s.events, market, sessions[sessions >= "1995-01-03"])
    msg = str(err.value)
    assert "no SPXW expiry listed in the 7-21 DTE window of tier 'short'" in msg
    assert "first listed on 2005-10-28" in msg
    assert "the first day it could open is 2005-10-28" in msg


def test_the_cli_says_what_is_missing_and_exits_2(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    spxw = tmp_path / "cfg" / "ladder-spxw.toml"
    spxw.parent.mkdir()
    preset = (files("alvh") / "presets" / "ic-ladder.toml").read_text()
    spxw.write_text(preset.replace('product = "any"', 'product = "spxw"'))
    argv = ["backtest", str(spxw), "--data", "synthetic"]
    code = main([*argv, "--start", "1995-01-03", "--end", "1995-12-29", "--out", str(out)])
    assert code == 2
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).split())  # rich wraps long lines
    assert "no SPXW expiry listed in the 7-21 DTE window of tier 'short'" in text
    assert "Traceback" not in text
    assert not out.exists() and list(tmp_path.iterdir()) == [spxw.parent]  # nothing half-written
