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


def order_records(orders):  # type: ignore[no-untyped-def]
    """Return an orders frame's rows as tuples, a blank price (NaN: no quoted mid without a
    chain) as "nan", so rows compare equal exactly when every field is (NaN != NaN)."""
    return [
        tuple("nan" if isinstance(v, float) and v != v else v for v in row)
        for row in orders.itertuples(index=False, name=None)
    ]


def chain_around_model(surf, day, expiry, root, known_at, bid, ask, width_pts=400.0):  # type: ignore[no-untyped-def]
    """A hand-made SPX chain of ``day`` for one expiry, quoted around the model: strikes every 5
    points within ``width_pts`` of the money, each quote ``bid(model)`` / ``ask(model)``."""
    import numpy as np
    import pandas as pd

    t = surf.t_years(pd.Timestamp(expiry), am_settled=root == "SPX")
    atm = 5.0 * round(surf.spot / 5.0)
    ks = np.arange(atm - width_pts, atm + width_pts + 5.0, 5.0)
    frames = []
    for right, is_call in (("C", True), ("P", False)):
        model = surf.greeks(np.full(ks.shape, t), ks, np.full(ks.shape, is_call)).price
        frames.append(
            pd.DataFrame(
                {
                    "quote_date": pd.Timestamp(day),
                    "root": root,
                    "expiry": pd.Timestamp(expiry),
                    "strike": ks,
                    "right": right,
                    "bid": bid(model),
                    "ask": ask(model),
                    "underlying": surf.spot,
                    "known_at": known_at,
                    "quality": "",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
