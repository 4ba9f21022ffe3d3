"""The close-history triggers (``CloseSignals``, read through ``MarketSnapshot.close_tail``)
give the rules' results on what each session's snapshot knows: equal to ``macd_rule``,
``rsi_rule`` and the IV pair computed from the snapshot's closes at every session, with NaN and
infinite closes in the history; garbage known later neither changes nor breaks them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alvh.config.hedge import TriggerConfig
from alvh.market.data import DataSource, MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.synthetic import generate_market
from alvh.strategy.hedge.signals import HISTORY_SESSIONS, CloseSignals
from alvh.strategy.hedge.triggers import macd_rule, rsi_rule


def _faulty(seed: int = 5) -> MarketData:
    """Two years of synthetic data whose VIX and SPX closes have NaN and infinite gaps."""
    base = generate_market("2007-01-03", "2008-12-31", seed=seed)
    t = {name: frame.copy() for name, frame in base.tables.items()}
    bars = t["index_bars"]
    vix = bars.index[bars["symbol"] == "VIX"]
    spx = bars.index[bars["symbol"] == "SPX"]
    bars.loc[vix[[3, 40, 41, 300]], "close"] = np.nan
    bars.loc[vix[[120]], "close"] = np.inf
    bars.loc[spx[[7, 260]], "close"] = np.nan
    return MarketData(t, DataSource("synthetic", "test", "synthetic with gaps"))


def _snapshot_results(
    data: MarketData, as_of: pd.Timestamp, t: TriggerConfig
) -> tuple[object, object, tuple[float | None, float | None]]:
    """The rules on the snapshot's closes, as the hedge computed them before the tables."""
    snap = data.snapshot(as_of)
    raw = snap.closes("VIX", HISTORY_SESSIONS)
    vix = raw[np.isfinite(raw)]
    spx = snap.closes("SPX", HISTORY_SESSIONS)
    spx = spx[np.isfinite(spx)]
    macd = macd_rule(vix, t.macd_fast, t.macd_slow, t.macd_signal)
    src = vix if t.rsi_symbol == "vix" else spx
    rsi = rsi_rule(src, t.rsi_symbol.upper(), t.rsi_period, t.rsi_band)
    x = raw[-(t.iv_shift_sessions + 1) :].tolist()
    ok = len(x) == t.iv_shift_sessions + 1 and all(map(math.isfinite, x))
    return macd, rsi, ((x[-1], x[0]) if ok else (None, None))


def _same(a: object, b: object) -> bool:
    """Equal results, NaN equal to NaN (a NaN input would break plain equality)."""
    return repr(a) == repr(b)


@pytest.mark.parametrize(
    "t",
    [
        TriggerConfig(),
        TriggerConfig(rsi_symbol="spx", rsi_period=5, macd_fast=3, macd_slow=7, macd_signal=4),
        TriggerConfig(iv_shift_sessions=5),
    ],
    ids=["default", "spx-rsi-short-spans", "iv-5-sessions"],
)
def test_tables_equal_the_rules_on_each_sessions_snapshot(t: TriggerConfig) -> None:
    data = _faulty()
    sig = CloseSignals(t)
    sessions = data.sessions("SPX")
    # Every session: the first ones (too few closes), the gaps, the window's slide past them.
    for day in sessions:
        as_of = day + pd.Timedelta(hours=16, minutes=15)
        snap = data.snapshot(as_of)
        macd, rsi, iv = _snapshot_results(data, as_of, t)
        assert _same(sig.macd(snap), macd), day
        assert _same(sig.rsi(snap), rsi), day
        assert sig.iv(snap) == iv, day


def _at_count(data: MarketData, k: int) -> MarketSnapshot:
    """The snapshot that knows the first ``k`` VIX closes (the close of session ``k``)."""
    days = data.sessions("VIX")
    snap = data.snapshot(days[k - 1] + pd.Timedelta(hours=16, minutes=15) if k else "2006-12-29")
    assert snap.known_count("VIX") == k
    return snap


def test_first_sessions_are_skipped_with_the_count_of_closes() -> None:
    data = _faulty()
    sig = CloseSignals(TriggerConfig())
    r = sig.macd(_at_count(data, 10))  # the fourth close is NaN: nine of the first ten are kept
    assert not r.fired and r.reason == "skipped: 9 VIX closes < 35 needed for MACD"
    r = sig.rsi(_at_count(data, 3))
    assert r.reason == "skipped: 3 VIX closes <= 14; RSI undefined"
    assert sig.iv(_at_count(data, 0)) == (None, None)


def test_garbage_known_later_changes_no_earlier_result() -> None:
    data = _faulty()
    t = TriggerConfig()
    sig = CloseSignals(t)
    k_cut = 200
    bars = data.tables["index_bars"].copy()
    vix = bars["symbol"] == "VIX"
    order = bars.loc[vix].sort_values("known_at", kind="mergesort").index
    close = bars.loc[order, "close"].to_numpy(np.float64, copy=True)
    rng = np.random.default_rng(1)
    garbage = rng.uniform(-1e6, 1e6, close.shape[0] - k_cut)
    garbage[::7] = np.nan
    garbage[3::11] = -np.inf
    close[k_cut:] = garbage
    bars.loc[order, "close"] = close
    poisoned = MarketData({**data.tables, "index_bars": bars}, data.source)
    # Garbage is filtered or computed, never raised; read the poisoned data from its end first,
    # so that its rows are built over the garbage before the early sessions ask.
    late = [_at_count(poisoned, k) for k in range(len(close), k_cut, -1)]
    late_rsi = [sig.rsi(s) for s in late]
    for k in range(k_cut + 1):
        a, b = _at_count(poisoned, k), _at_count(data, k)
        assert _same(sig.macd(a), sig.macd(b)) and _same(sig.rsi(a), sig.rsi(b)), k
        assert sig.iv(a) == sig.iv(b), k
    clean = [sig.rsi(_at_count(data, k)) for k in range(len(close), k_cut, -1)]
    assert not all(_same(a, b) for a, b in zip(late_rsi, clean, strict=True))


def test_any_order_of_lookups_gives_the_same_rows() -> None:
    t = TriggerConfig()
    data = _faulty()
    sig = CloseSignals(t)
    expected = {
        k: repr((sig.macd(s), sig.rsi(s))) for k in range(450) for s in [_at_count(data, k)]
    }
    jumping = _faulty()  # a fresh data object: its rows are built in this order
    for k in (300, 10, 449, 0, 300, 36):  # an earlier count rebuilds the rows from there
        s = _at_count(jumping, k)
        assert repr((sig.macd(s), sig.rsi(s))) == expected[k], k
