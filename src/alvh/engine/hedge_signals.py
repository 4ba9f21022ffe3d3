"""The close-history triggers of one run, from tables built once: MACD, RSI and the VIX IV shift.

Each session the ALVH hedge used to cut the last 260 known VIX (and SPX) closes out of its
snapshot, drop the non-finite ones and run the MACD and RSI on them: the same window slides one
close a session, so :class:`CloseSignals` runs all the windows in one compiled pass when the run
starts (``window_tails``) and a session only looks its row up by how many closes it knows.

Point in time: the row of a session that knows ``k`` closes reads only the first ``k`` closes
(in ``known_at`` order, the snapshot's), so data known later can neither change nor break it;
the results are those of ``macd_rule``, ``rsi_rule`` and the IV inputs on the snapshot's
closes (tested equal at every session of a run).
"""

from __future__ import annotations

import numpy as np

from alvh.config.hedge import TriggerConfig
from alvh.kernel.indicators import window_tails
from alvh.market.data import MarketData
from alvh.strategy.hedge.results import RuleResult
from alvh.strategy.hedge.triggers import macd_result, rsi_result

__all__ = ["HISTORY_SESSIONS", "CloseSignals"]

HISTORY_SESSIONS = 260  # closes fed to MACD/RSI: fixed, so a decision never depends on run start


class _Rows:
    """The tails of one symbol's close histories, one row per count of known closes.

    Built on the first look-up, from its count on: a run asks in session order, so the years
    of closes before its start cost nothing (an earlier count rebuilds from there).
    """

    __slots__ = ("_close", "_t", "kept", "macd", "rsi", "start")

    def __init__(self, close: np.ndarray, t: TriggerConfig) -> None:
        self._close = np.ascontiguousarray(close, dtype=np.float64)
        self._t = t
        self.start = -1  # the first count with a row; -1 before the first look-up
        self.kept: list[int] = []
        self.macd: list[tuple[float, float, float, float]] = []
        self.rsi: list[tuple[float, float]] = []

    def row(self, k: int) -> int:
        """Return the row of the history of ``k`` known closes (building rows if needed)."""
        if not 0 <= self.start <= k:
            self._build(k)
        return k - self.start

    def _build(self, k_start: int) -> None:
        t = self._t
        out = window_tails(
            self._close,
            HISTORY_SESSIONS,
            2.0 / (t.macd_fast + 1.0),
            2.0 / (t.macd_slow + 1.0),
            2.0 / (t.macd_signal + 1.0),
            t.macd_slow + t.macd_signal,
            1.0 / t.rsi_period,
            t.rsi_period,
            k_start,
        )
        self.start = k_start
        self.kept = out[:, 0].astype(np.int64).tolist()
        rows = out[:, 1:].tolist()
        # Python floats, as the compiled tails return them to the rules.
        self.macd = [(r[0], r[1], r[2], r[3]) for r in rows]
        self.rsi = [(r[4], r[5]) for r in rows]


class CloseSignals:
    """The MACD and RSI results and the VIX IV pair of every session of one run.

    Parameters
    ----------
    data
        The run's market data; it needs VIX bars (and SPX bars for an SPX RSI).
    triggers
        The hedge's trigger thresholds.
    """

    def __init__(self, data: MarketData, triggers: TriggerConfig) -> None:
        self.t = t = triggers
        vix = data.close_history("VIX")
        self._vix = _Rows(vix, t)
        self._rsi = self._vix if t.rsi_symbol == "vix" else _Rows(data.close_history("SPX"), t)
        # IV shift on VIX: the last n + 1 closes, all finite.
        n = t.iv_shift_sessions
        finite = np.r_[0, np.cumsum(np.isfinite(vix))]
        k = np.arange(finite.shape[0])
        ok = (k >= n + 1) & (finite - finite[np.maximum(k - n - 1, 0)] == n + 1)
        self._iv_ok: list[bool] = ok.tolist()
        self._vix_close: list[float] = vix.tolist()

    def iv(self, k_vix: int) -> tuple[float | None, float | None]:
        """Return (VIX now, VIX ``iv_shift_sessions`` ago) when ``k_vix`` closes are known."""
        if not self._iv_ok[k_vix]:
            return None, None
        c = self._vix_close
        return c[k_vix - 1], c[k_vix - 1 - self.t.iv_shift_sessions]

    def macd(self, k_vix: int) -> RuleResult:
        """Return ``macd_rule`` on the VIX history a session knowing ``k_vix`` closes sees."""
        t = self.t
        r = self._vix
        i = r.row(k_vix)  # a row with too few closes kept is skipped by the count
        return macd_result(r.kept[i], t.macd_fast, t.macd_slow, t.macd_signal, r.macd[i])

    def rsi(self, k: int) -> RuleResult:
        """Return ``rsi_rule`` on the history of ``rsi_symbol`` a session knowing ``k`` of its
        closes sees."""
        t = self.t
        r = self._rsi
        i = r.row(k)  # a row with too few closes kept is skipped by the count
        return rsi_result(r.kept[i], t.rsi_symbol.upper(), t.rsi_period, t.rsi_band, r.rsi[i])
