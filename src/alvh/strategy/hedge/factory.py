"""Which hedge rule a config names: ``make_hedge``.

The rules: ``alvh.strategy.hedge.alvh_rule.AlvhHedge`` (the ALVH),
``alvh.strategy.hedge.vxth_rule.VxthHedge`` (CBOE's VIX Tail Hedge benchmark overlay) and
``alvh.strategy.hedge.adapter.NoHedge``. The engine takes any ``HedgeRule`` and knows none of
them; what their instruments cost is the engine's (``alvh.engine.hedge_factory.hedge_costs``).
"""

from __future__ import annotations

from alvh.config.hedge import HedgeConfig
from alvh.strategy.hedge.adapter import HedgeRule, NoHedge
from alvh.strategy.hedge.alvh_rule import AlvhHedge
from alvh.strategy.hedge.vxth_rule import VxthHedge

__all__ = ["make_hedge"]


def make_hedge(cfg: HedgeConfig) -> HedgeRule:
    """Return the hedge rule a config names: ``NoHedge``, ``AlvhHedge`` or ``VxthHedge``."""
    if cfg.rule == "alvh":
        return AlvhHedge(cfg)
    if cfg.rule == "vxth":
        return VxthHedge(cfg)
    return NoHedge()
