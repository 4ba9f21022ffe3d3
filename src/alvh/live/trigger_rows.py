"""The rows of ``alvh.live.triggers``: each rule's verdict with its distance to firing.

The verdicts and reasons are the rules' own (``RuleResult`` of the hedge's triggers,
``alvh.strategy.condor.check_exit`` for the condor exits, one rule at a time); this module only
measures how far each value is from its threshold, in the rule's units and as a fraction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from alvh.config.run import RunConfig
from alvh.market.snapshot import MarketSnapshot
from alvh.strategy.hedge.results import RuleResult

__all__ = ["BookCondor", "CondorColumns", "TriggerRow", "exit_rows", "frac", "hedge_rows"]

_SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class BookCondor:
    """One iron condor the book holds (index points, per condor)."""

    tier: str
    group: str
    root: str
    expiry: date
    strikes: tuple[float, float, float, float]  # long put, short put, short call, long call
    qty: float  # condors held
    credit: float  # per condor: short premiums - long premiums at the lots' average prices

    @property
    def label(self) -> str:
        lp, sp, sc, lc = self.strikes
        return f"{self.tier} #{self.group} {self.root} {self.expiry} {lp:g}/{sp:g}/{sc:g}/{lc:g}"


@dataclass(frozen=True, slots=True)
class CondorColumns:
    """The condors as the engine's hedge view holds them (alvh.engine.book_view)."""

    short_put: np.ndarray
    short_call: np.ndarray
    credit: np.ndarray
    qty: np.ndarray
    dte_days: np.ndarray
    iv_atm: np.ndarray
    delta_per_condor: np.ndarray
    cost_to_close: np.ndarray


@dataclass(frozen=True, slots=True)
class TriggerRow:
    """One rule on the day: its value, threshold, distance to firing and verdict.

    Attributes
    ----------
    kind
        ``hedge`` (a trigger that adds a layer), ``de-escalation`` (the clear count) or
        ``exit`` (a condor tier's exit rule).
    rule
        The journal's rule name (``hedge.trigger.proximity``, ``tier.short.exit``).
    subject
        What it is about: a condor (``short #3 SPXW 2018-01-22``), empty for book-wide rules.
    test
        The rule's test in words (``min z <= 0.65``).
    value, threshold
        The current value and the threshold, in ``units``; None when not evaluated.
    distance
        How far the value is from firing, in ``units`` (> 0: not firing yet).
    distance_frac
        ``distance`` over the threshold's size (or the condor's credit); None when undefined.
    fired
        The rule's verdict today.
    detail
        The distance in other units (SPX points, VIX points, USD) when it has them.
    reason
        The rule's own reason.
    inputs
        The rule's inputs as the journal records them.
    """

    kind: str
    rule: str
    subject: str
    test: str
    value: float | None
    threshold: float | None
    units: str
    distance: float | None
    distance_frac: float | None
    fired: bool
    detail: str
    reason: str
    inputs: dict[str, object] = field(default_factory=dict)


def frac(distance: float | None, scale: float | None) -> float | None:
    if distance is None or scale is None or not scale > 0 or not math.isfinite(distance):
        return None
    return distance / scale


def _num(x: object) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def hedge_rows(
    snap: MarketSnapshot, results: Mapping[str, RuleResult], cfg: RunConfig
) -> list[TriggerRow]:
    """Return the hedge triggers' rows: each ``RuleResult`` with its distance to firing."""
    t = cfg.hedge.triggers
    rows: list[TriggerRow] = []
    for name, r in results.items():
        inp = dict(r.inputs)
        rule = f"hedge.trigger.{name}"
        value = threshold = distance = dfrac = None
        units, test, detail = "", "", ""
        skipped = r.reason.startswith(_SKIPPED)
        if name == "iv_shift":
            units, test = "relative change", f"change >= {t.iv_shift_threshold:g}"
            threshold = t.iv_shift_threshold
            value = _num(inp.get("change"))
            if value is not None:
                distance = threshold - value
                dfrac = frac(distance, threshold)
                before = _num(inp.get("iv_before"))
                if before is not None:
                    need = before * (1.0 + threshold)
                    label = "VIX" if t.iv_source == "vix" else "ATM IV"
                    detail = f"fires at {label} >= {need:.2f} ({need - (_num(inp['iv_now']) or 0):+.2f} pts)"
        elif name in ("proximity", "break_even"):
            units, threshold = "SD", _num(inp.get("z_limit"))
            test = f"min z <= {threshold:g}"
            value = _num(inp.get("min_z"))
            if value is not None and threshold is not None and math.isfinite(value):
                distance = value - threshold
                dfrac = frac(distance, threshold)
                sd = _num(inp.get("sd")) or 0.0
                what = "short strike" if name == "proximity" else "break-even"
                detail = (
                    f"SPX {distance * sd:+.1f} pts from firing ({inp.get('side')} {what} "
                    f"{inp.get('level')}, SD {sd:.1f} pts)"
                )
        elif name == "book_delta":
            units, threshold = "delta per condor", t.delta_limit
            test = f"|delta per condor| > {threshold:g}"
            value = _num(inp.get("delta_per_condor"))
            if value is not None:
                distance = threshold - abs(value)
                dfrac = frac(distance, threshold)
        elif name == "rsi":
            lo, hi = t.rsi_band
            units, test = "RSI", f"RSI outside [{lo:g}, {hi:g}]"
            value = _num(inp.get("rsi"))
            if value is not None:
                threshold = lo if value - lo <= hi - value else hi
                distance = min(value - lo, hi - value)
                dfrac = frac(distance, (hi - lo) / 2.0)
        elif name == "macd_crossover":
            units, test, threshold = "MACD - signal", "bullish crossover (gap crosses 0 up)", 0.0
            line, sig = _num(inp.get("macd")), _num(inp.get("signal_line"))
            if line is not None and sig is not None:
                value = line - sig
                distance = -value if value < 0 else None
                detail = (
                    "the gap must rise above 0"
                    if value < 0
                    else "above its signal: fires only after crossing back below"
                )
        elif name == "term_structure":
            units, threshold = "VX1 - VX2 (VIX pts)", t.term_tolerance_pts
            test = f"VX1 - VX2 > {threshold:g} (backwardation)"
            vx1, vx2 = _num(inp.get("vx1")), _num(inp.get("vx2"))
            if vx1 is not None and vx2 is not None:
                value = vx1 - vx2
                distance = threshold - value
                dfrac = frac(distance, max(abs(vx2), 1e-12))
                detail = f"regime {inp.get('regime')}; fraction of VX2"
        elif name == "macro":
            units, threshold = "sessions", float(t.macro_sessions)
            test = f"{'/'.join(t.macro_kinds)} within {t.macro_sessions} sessions"
            ahead = _num(inp.get("sessions_ahead"))
            if ahead is None:
                ahead, detail = _next_event(snap, cfg)
            if ahead is not None:
                value = ahead
                distance = ahead - threshold
                dfrac = frac(distance, threshold)
        elif name == "breadth":
            units, test = "", "SPX up while the A/D line falls"
        rows.append(
            TriggerRow(
                "hedge",
                rule,
                "",
                test,
                value,
                threshold,
                units,
                distance,
                dfrac,
                r.fired,
                detail or ("not evaluated" if skipped else ""),
                r.reason,
                dict[str, object](inp),
            )
        )
    return rows


_MACRO_LOOKAHEAD = 30  # sessions searched for the next event when none is within the window


def _next_event(snap: MarketSnapshot, cfg: RunConfig) -> tuple[float | None, str]:
    """The sessions ahead of the next event of the config's kinds, by the macro rule itself
    run on a longer window."""
    from alvh.strategy.hedge.triggers import macro_proximity

    t = cfg.hedge.triggers
    nxt, events = snap.upcoming_sessions_and_events(_MACRO_LOOKAHEAD)
    day = snap.last_date("SPX").date()
    r = macro_proximity(day, nxt, events, _MACRO_LOOKAHEAD, t.macro_kinds)
    if not r.fired:
        return None, f"none within {_MACRO_LOOKAHEAD} sessions"
    ahead = _num(r.inputs.get("sessions_ahead"))
    return ahead, f"next: {r.inputs.get('event')} on {r.inputs.get('event_date')}"


def exit_rows(
    spot: float, condors: Sequence[BookCondor], c: CondorColumns, cfg: RunConfig
) -> list[TriggerRow]:
    """Return each open condor's exit rules, each judged by ``check_exit`` alone."""
    from alvh.strategy.condor import check_exit
    from alvh.strategy.hedge.triggers import z_distances

    rows: list[TriggerRow] = []
    if not condors:
        return rows
    zp, zc, sd = z_distances(spot, c.short_put, c.short_call, c.iv_atm, c.dte_days)
    for i, bc in enumerate(condors):
        ex = cfg.tier(bc.tier).exits
        credit, cost = float(c.credit[i]), float(c.cost_to_close[i])
        dte = int(c.dte_days[i])
        sp, sc = bc.strikes[1], bc.strikes[2]
        inputs: dict[str, object] = {"condor": bc.group, "credit": credit}
        inputs |= {"cost_to_close": cost, "dte": dte, "spx": spot}
        rule = f"tier.{bc.tier}.exit"

        def one(
            pt: float | None = None,
            stop: float | None = None,
            edte: int | None = None,
            touch: bool = False,
            *,
            credit: float = credit,
            cost: float = cost,
            dte: int = dte,
            sp: float = sp,
            sc: float = sc,
        ) -> tuple[bool, str]:
            chk = check_exit(credit, cost, dte, spot, sp, sc, pt, stop, edte, touch)
            return chk.exit, f"{chk.rule}: {chk.reason}"

        pnl_usd = (credit - cost) * 100.0 * bc.qty
        if ex.profit_target_pct_of_credit is not None:
            pt = ex.profit_target_pct_of_credit
            target_cost = credit * (1.0 - pt / 100.0)
            dist = cost - target_cost
            fired, why = one(pt=pt)
            rows.append(
                TriggerRow(
                    "exit",
                    rule,
                    bc.label,
                    f"cost to close <= credit x (1 - {pt:g}%)",
                    cost,
                    target_cost,
                    "pts per condor",
                    dist,
                    frac(dist, credit),
                    fired,
                    f"{dist * 100.0 * bc.qty:+,.0f} USD to the target; open P&L {pnl_usd:+,.0f} USD",
                    why,
                    inputs | {"profit_target_pct": pt},
                )
            )
        if ex.stop_multiple_of_credit is not None:
            m = ex.stop_multiple_of_credit
            stop_cost = credit * (1.0 + m)
            dist = stop_cost - cost
            fired, why = one(stop=m)
            rows.append(
                TriggerRow(
                    "exit",
                    rule,
                    bc.label,
                    f"loss >= {m:g} x credit",
                    cost,
                    stop_cost,
                    "pts per condor",
                    dist,
                    frac(dist, credit),
                    fired,
                    f"{dist * 100.0 * bc.qty:+,.0f} USD to the stop; open P&L {pnl_usd:+,.0f} USD",
                    why,
                    inputs | {"stop_multiple": m},
                )
            )
        # Short-strike touch: shown for every condor (the distance a trader watches); it
        # closes the condor only when the tier's exit_on_short_strike_touch is on.
        pts = min(spot - sp, sc - spot)
        z = float(min(zp[i], zc[i]))
        side = "put" if spot - sp <= sc - spot else "call"
        fired, why = one(touch=True)
        rows.append(
            TriggerRow(
                "exit",
                rule,
                bc.label,
                f"SPX at or beyond a short strike ({side} nearest)",
                spot,
                sp if side == "put" else sc,
                "SPX pts",
                pts,
                frac(pts, spot),
                fired and ex.exit_on_short_strike_touch,
                f"{z:.2f} SD (SD {float(sd[i]):.1f} pts at ATM IV {float(c.iv_atm[i]):.1%}, "
                f"{dte} days)" + ("" if ex.exit_on_short_strike_touch else "; exit rule off"),
                why,
                inputs | {"z": z, "sd": float(sd[i]), "rule_on": ex.exit_on_short_strike_touch},
            )
        )
        if ex.exit_dte is not None:
            dist = float(dte - ex.exit_dte)
            fired, why = one(edte=ex.exit_dte)
            rows.append(
                TriggerRow(
                    "exit",
                    rule,
                    bc.label,
                    f"days to expiry <= {ex.exit_dte}",
                    float(dte),
                    float(ex.exit_dte),
                    "days",
                    dist,
                    frac(dist, float(ex.exit_dte) or 1.0),
                    fired,
                    "",
                    why,
                    inputs | {"exit_dte": ex.exit_dte},
                )
            )
    return rows
