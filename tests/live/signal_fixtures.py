"""A synthetic quarter with a stress episode, shared by the signal and orders.csv tests.

Seed 3's market of 2008-08-05..2008-11-28 (82 sessions): VIX up to 42.6 on 2008-09-04, the
ladder on SPX monthlies (SPXW listed only Weeklys and Quarterlys then) with the alvh-442 hedge,
which adds, rolls and monetises VX futures and VIX calls in it (6 hedge orders, 42 condor orders).
"""

from __future__ import annotations

from datetime import date

START, END, SEED = date(2008, 8, 5), date(2008, 11, 28), 3


def quarter_config():  # type: ignore[no-untyped-def]
    """The run config of the quarter (synthetic, seed 3, ladder on SPX, alvh-442)."""
    from alvh.config.hedge import hedge_preset
    from alvh.config.load import config_with_overrides, load_preset

    over = {"data.start": START, "data.end": END, "data.source": "synthetic", "data.seed": SEED}
    cfg = config_with_overrides(load_preset("ic-ladder"), **over)
    tiers = [t.model_copy(update={"product": "spx"}) for t in cfg.tiers]
    return cfg.model_copy(
        update={"tiers": type(cfg.tiers)(tiers), "hedge": hedge_preset("alvh-442")}
    )
