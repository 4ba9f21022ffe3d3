"""Map a validated ``RunConfig`` onto the engine's flat settings."""

from __future__ import annotations

from datetime import time

from alvh.config.run import RunConfig
from alvh.engine.costs import cost_model
from alvh.engine.settings import EngineSettings, EventRules, ExecutionRules, TierRules
from alvh.errors import ConfigError

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4}


def _tier(cfg: RunConfig, i: int) -> TierRules:
    t = cfg.tiers[i]
    e = t.entry
    kw: dict[str, object] = {"entry_weekday": None}
    if e.schedule == "weekday":
        kw["entry_weekday"] = _WEEKDAYS[e.weekday]
    elif e.schedule == "every_n_sessions":
        kw["entry_every_sessions"] = e.n
    elif e.schedule == "monthly":
        kw["entry_monthly"] = True
    st = t.strikes
    if st.method == "delta":
        strike_value = st.short_delta
    elif st.method == "pop":
        strike_value = st.target_pop
    elif st.method == "sd":
        strike_value = st.n_sd
    else:
        strike_value = 0.0  # atm: nothing to tune
    w = t.wings
    if w.method == "width":
        if getattr(w, "call_points", None) not in (None, w.points):
            raise ConfigError(
                f"tiers[{i}].wings.call_points",
                w.call_points,
                "unequal wings are not supported by the engine yet; leave call_points unset",
            )
        wing_value = w.points
    elif w.method == "delta":
        wing_value = w.long_delta
    else:
        wing_value = w.pct
    x = t.exits
    hold = x.hold_to_expiry
    return TierRules(
        name=t.name,
        dte_min=int(t.dte.min),
        dte_max=int(t.dte.max),
        dte_target=None if t.dte.target is None else int(t.dte.target),
        product=t.product,
        strike_method=st.method,
        strike_value=float(strike_value),
        wing_method=w.method,
        wing_value=float(wing_value),
        risk_pct_of_equity=t.risk_per_condor_pct_of_equity,
        max_open_condors=t.max_open_condors,
        collateral_multiple=t.collateral_multiple_of_max_loss,
        strike_reference=getattr(st, "reference", "close"),
        profit_target_pct=None if hold else x.profit_target_pct_of_credit,
        stop_multiple=None if hold else x.stop_multiple_of_credit,
        exit_dte=None if hold else x.exit_dte,
        exit_on_touch=False if hold else x.exit_on_short_strike_touch,
        **kw,  # type: ignore[arg-type]
    )


def engine_settings(cfg: RunConfig) -> EngineSettings:
    """Return the engine settings of a run config.

    Raises
    ------
    alvh.errors.ConfigError
        For a setting the engine does not implement (named, with what is supported).
    """
    ex = cfg.execution
    if ex.fill_timing == "next_open":
        raise ConfigError(
            "execution.fill_timing",
            "next_open",
            "'next_close' or 'same_close' (fills at the open need intraday option quotes)",
        )
    hh, mm = (int(v) for v in ex.decision_time.split(":"))
    ev = cfg.events
    return EngineSettings(
        start=str(cfg.data.start),
        end=str(cfg.data.end),
        initial_capital_usd=cfg.capital.initial_usd,
        size_condors_on=cfg.capital.size_condors_on,
        iv_scale=cfg.assumptions.iv_scale,
        cash_rate_series={"irx": "IRX", "dff": "DFF", "none": "none"}[cfg.capital.cash_rate],  # type: ignore[arg-type]
        tiers=tuple(_tier(cfg, i) for i in range(len(cfg.tiers))),
        events=EventRules(
            kinds=tuple(ev.blackout_kinds),
            sessions_before=ev.sessions_before,
            sessions_after=ev.sessions_after,
            action=ev.action if ev.blackout_kinds else "none",
            reduce_factor=ev.reduce_factor,
        ),
        execution=ExecutionRules(
            fill_timing=ex.fill_timing,
            decision_time=time(hh, mm),
            costs=cost_model(ex),
        ),
    )
