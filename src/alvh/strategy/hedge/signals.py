"""The close-history triggers of the ALVH hedge read through the snapshot: MACD, RSI, VIX IV.

Each session the hedge feeds the last 260 known VIX (and SPX) closes, the non-finite ones
dropped, to the MACD and RSI rules. The window slides one close a session, so the compiled
``window_tails`` computes the rules' last values for each count of known closes and the rows are
kept in the data's history index (``MarketSnapshot.close_tail``); a session reads its row.

No "known at" here: the snapshot gives the builder only the closes it knows and picks the row
of its own count. The results are those of ``macd_rule``, ``rsi_rule`` and the IV inputs on the
snapshot's closes (tested equal at every session of a run).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from alvh.config.hedge import TriggerConfig
from alvh.kernel.indicators import window_tails
from alvh.market.snapshot import MarketSnapshot
from alvh.strategy.hedge.results import RuleResult
from alvh.strategy.hedge.triggers import macd_result, rsi_result

__all__ = ["HISTORY_SESSIONS", "CloseSignals"]

HISTORY_SESSIONS = 260  # closes fed to MACD/RSI: fixed, so a decision never depends on run start

# (kept count, (MACD line[-2], line[-1], signal[-2], signal[-1]), (RSI[-2], RSI[-1]))
_Row = tuple[int, tuple[float, float, float, float], tuple[float, float]]


def _tails_builder(t: TriggerConfig) -> Callable[[np.ndarray, int], list[_Row]]:
    """Return the builder of the MACD and RSI tails of ``t`` (``MarketSnapshot.close_tail``)."""

    def build(known: np.ndarray, k_from: int) -> list[_Row]:
        out = window_tails(
            known,
            HISTORY_SESSIONS,
            2.0 / (t.macd_fast + 1.0),
            2.0 / (t.macd_slow + 1.0),
            2.0 / (t.macd_signal + 1.0),
            t.macd_slow + t.macd_signal,
            1.0 / t.rsi_period,
            t.rsi_period,
            k_from,
        )
        # Python floats, as the compiled tails return them to the rules.
        return [(int(r[0]), (r[1], r[2], r[3], r[4]), (r[5], r[6])) for r in out.tolist()]

    return build


class CloseSignals:
    """The MACD and RSI results and the VIX IV pair a snapshot's closes give.

    Parameters
    ----------
    triggers
        The hedge's trigger thresholds.
    """

    def __init__(self, triggers: TriggerConfig) -> None:
        self.t = t = triggers
        self._build = _tails_builder(t)
        # Names the builder and every parameter it reads (the rows are kept per data).
        self._key = (
            "alvh.macd_rsi",
            HISTORY_SESSIONS,
            t.macd_fast,
            t.macd_slow,
            t.macd_signal,
            t.rsi_period,
        )

    def iv(self, snap: MarketSnapshot) -> tuple[float | None, float | None]:
        """Return (VIX now, VIX ``iv_shift_sessions`` ago) when the last ``n + 1`` known VIX
        closes are all finite, else (None, None)."""
        n = self.t.iv_shift_sessions
        c = snap.closes("VIX", n + 1).tolist()
        if len(c) != n + 1 or not all(math.isfinite(v) for v in c):
            return None, None
        return c[-1], c[0]

    def macd(self, snap: MarketSnapshot) -> RuleResult:
        """Return ``macd_rule`` on the VIX history ``snap`` knows."""
        t = self.t
        kept, tail, _ = snap.close_tail("VIX", self._key, self._build)
        return macd_result(kept, t.macd_fast, t.macd_slow, t.macd_signal, tail)

    def rsi(self, snap: MarketSnapshot) -> RuleResult:
        """Return ``rsi_rule`` on the history of ``rsi_symbol`` ``snap`` knows."""
        t = self.t
        symbol = t.rsi_symbol.upper()
        kept, _, tail = snap.close_tail(symbol, self._key, self._build)
        return rsi_result(kept, symbol, t.rsi_period, t.rsi_band, tail)
