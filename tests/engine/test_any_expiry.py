"""A tier with ``product = "any"`` chooses among every listed SPX and SPXW expiry.

The expected picks are listed by hand from the listing rules (docs/calendar.md): SPX standard
monthlies are listed a year ahead; SPXW Friday Weeklys 8 calendar days ahead (listed on the
Thursday for the Friday of the next week) until 2012-05-31, then 36 days (five weeks); SPX
Quarterlys a year ahead from July 2006. Calendar-day DTE; the pick is the listed expiry in the
window nearest the target (ties to the earlier); on a day where an SPX monthly and an SPXW
expiry both expire, the SPX AM monthly.
"""

from __future__ import annotations

import pandas as pd
import pytest

from alvh.calendar.expiries import spx_expiries
from alvh.config.load import config_with_overrides, load_preset
from alvh.engine.from_config import engine_settings
from alvh.engine.loop import Engine
from alvh.errors import ConfigError
from alvh.market.synthetic import generate_market
from alvh.strategy.expiry_choice import ListedExpiries

LADDER = {t.name: t for t in engine_settings(load_preset("ic-ladder")).tiers}


def _pick(product: str, day: str, tier: str) -> tuple[str, str, str] | None:
    """(expiry, root, settlement) the tier of the preset picks on ``day`` among ``product``."""
    t = LADDER[tier]
    ex = ListedExpiries(spx_expiries("2011-01-01", "2019-12-31", product))  # type: ignore[arg-type]
    j = ex.choose(pd.Timestamp(day), t.dte_min, t.dte_max, t.dte_target)
    if j is None:
        return None
    return str(ex.stamps[j].date()), ex.root[j], "AM" if ex.am[j] else "PM"


def test_the_preset_puts_every_tier_on_any() -> None:
    assert {t.product for t in LADDER.values()} == {"any"}


# Mon 2012-01-09, before the May 2012 extension. Listed SPXW then: the 01-13 Weekly (listed
# Thu 01-05; 01-20 is the SPX monthly; 01-27 is listed only on Thu 01-19) and the 2012-03-30
# Quarterly. SPX monthlies 01-20, 02-17, 03-16, 04-20 ... all listed.
#   short 7-21 (target 14): 01-13 is DTE 4 (out); 01-20 SPX is DTE 11 -> SPX 01-20 AM.
#   medium 30-45 (38): 02-17 SPX, DTE 39 (the only one) -> SPX 02-17 AM.
#   long 60-90 (75): 03-16 SPX DTE 67 (|67-75| = 8), 03-30 Quarterly DTE 81 (6) -> SPXW 03-30 PM.
# Mon 2012-06-11, after it (five weeks of Weeklys, listed from 2012-05-31 for 06-22 and 07-06,
# 06-07 for 07-13; 07-27 only from 06-21, 08-24 from 07-19):
#   short: 06-15 DTE 4 (out), 06-22 Weekly DTE 11 (|3|), 06-29 Quarterly DTE 18 (4)
#          -> SPXW 06-22 PM.
#   medium: 07-13 Weekly DTE 32 (6), 07-20 SPX DTE 39 (1) -> SPX 07-20 AM.
#   long: 08-17 SPX DTE 67; 08-24 not yet listed; 09-21 DTE 102 (out) -> SPX 08-17 AM.
ANY_PICKS = [
    ("2012-01-09", "short", ("2012-01-20", "SPX", "AM")),
    ("2012-01-09", "medium", ("2012-02-17", "SPX", "AM")),
    ("2012-01-09", "long", ("2012-03-30", "SPXW", "PM")),
    ("2012-06-11", "short", ("2012-06-22", "SPXW", "PM")),
    ("2012-06-11", "medium", ("2012-07-20", "SPX", "AM")),
    ("2012-06-11", "long", ("2012-08-17", "SPX", "AM")),
]


@pytest.mark.parametrize(("day", "tier", "want"), ANY_PICKS)
def test_any_picks_the_hand_listed_expiry(day: str, tier: str, want: tuple[str, str, str]) -> None:
    assert _pick("any", day, tier) == want


# The same days on SPXW alone: on 2012-01-09 only the 01-13 Weekly (DTE 4) and the Quarterly
# were listed, so the short and medium tiers have nothing; the long tier takes the Quarterly.
SPXW_PICKS = [
    ("2012-01-09", "short", None),
    ("2012-01-09", "medium", None),
    ("2012-01-09", "long", ("2012-03-30", "SPXW", "PM")),
    ("2012-06-11", "short", ("2012-06-22", "SPXW", "PM")),
    ("2012-06-11", "medium", ("2012-07-13", "SPXW", "PM")),  # 07-20 is not an SPXW expiry then
    ("2012-06-11", "long", None),  # nothing SPXW listed 60-90 days out
]


@pytest.mark.parametrize(("day", "tier", "want"), SPXW_PICKS)
def test_spxw_alone_misses_what_was_not_listed(
    day: str, tier: str, want: tuple[str, str, str] | None
) -> None:
    assert _pick("spxw", day, tier) == want


def test_a_shared_third_friday_goes_to_the_spx_am_monthly() -> None:
    # 2017-06-16: both the SPX AM monthly and (since May 2017) an SPXW PM third-Friday series.
    both = spx_expiries("2017-06-16", "2017-06-16", "all")
    assert both[["product", "settlement"]].values.tolist() == [["SPX", "AM"], ["SPXW", "PM"]]
    any_ = spx_expiries("2017-06-01", "2017-06-30", "any")
    assert not any_["expiry"].duplicated().any()
    row = any_[any_["expiry"] == "2017-06-16"].iloc[0]
    assert (row["product"], row["settlement"]) == ("SPX", "AM")
    # A window whose target lands on it: Mon 2017-06-05 + 11 days = Fri 06-16.
    ex = ListedExpiries(any_)
    j = ex.choose(pd.Timestamp("2017-06-05"), 7, 21, 11)
    assert j is not None and (str(ex.stamps[j].date()), ex.root[j], bool(ex.am[j])) == (
        "2017-06-16",
        "SPX",
        True,
    )


def test_an_unknown_product_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError) as err:
        config_with_overrides(load_preset("ic-ladder"), **{"tiers[1].product": "spy"})
    msg = str(err.value)
    assert "tiers[1].product" in msg and "'spy'" in msg
    assert "'spx', 'spxw' or 'any'" in msg


# -- a whole synthetic run, 2006-2014 --------------------------------------------------------


@pytest.fixture(scope="module")
def ladder_2006_2014() -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """Condors, trades and journal of the ic-ladder on a synthetic market, 2006-2014."""
    market = generate_market("2005-10-03", "2014-12-31", seed=11)
    # Ten times the preset's capital: this synthetic path takes the book down ~88% by 2014, and
    # at 1M USD the long tier's 5-delta-wing condor (max loss 12-17k USD) then exceeds 5% of
    # equity and sizes to 0 from 2010 on, which would hide what this checks (listing, not size).
    over = {"data.start": "2006-01-03", "data.end": "2014-12-31"}
    cfg = config_with_overrides(
        load_preset("ic-ladder"), **over, **{"capital.initial_usd": 10_000_000.0}
    )
    r = Engine(engine_settings(cfg), market).run("any")
    return r.condors, r.trades, r.journal


@pytest.mark.slow
def test_a_whole_run_opens_only_listed_expiries_of_their_own_root(ladder_2006_2014) -> None:
    c, _, _ = ladder_2006_2014
    frame = spx_expiries("2006-01-01", "2015-12-31", "all")
    key = list(zip(frame["expiry"], frame["product"], strict=True))
    listed_from = dict(zip(key, frame["listed_from"], strict=True))
    settle = dict(zip(key, frame["settlement"], strict=True))
    keys = list(zip(c["expiry"], c["root"], strict=True))
    first = pd.Series([listed_from.get(k) for k in keys], index=c.index)
    assert first.notna().all(), c[first.isna()]  # every (expiry, root) is a real series
    assert (first <= c["open_date"]).all(), c[first > c["open_date"]]
    assert [settle[k] for k in keys] == c["settlement"].tolist()
    # Both roots are used, and the SPX ones are standard monthlies (third Fridays, AM).
    assert set(c["root"]) == {"SPX", "SPXW"}
    spx = c[c["root"] == "SPX"]
    assert (spx["settlement"] == "AM").all()
    assert (spx["expiry"].dt.weekday <= 4).all() and spx["expiry"].dt.day.between(14, 21).all()


@pytest.mark.slow
def test_every_tier_trades_in_every_year(ladder_2006_2014) -> None:
    c, _, journal = ladder_2006_2014
    years = c.groupby("tier")["open_date"].apply(lambda d: set(d.dt.year))
    for tier in ("short", "medium", "long"):
        assert years[tier] >= set(range(2006, 2015)), (tier, sorted(years[tier]))
    # The long tier always finds a listed SPX monthly (listed a year ahead; monthlies are 28 or
    # 35 days apart, so one falls in every 31-day 60-90 window). The 16-day short and medium
    # windows hold a monthly on only about half the Mondays, and before 2012-05-31 the Weeklys
    # were listed 8 days ahead (the next Friday's, DTE 11 on a Monday, only from the Thursday
    # after), so those tiers skip some Mondays then, and none once Weeklys are listed 5 weeks
    # ahead.
    gaps = [
        (d, e.rule)
        for d, es in journal
        for e in es
        if e.rule.endswith(".entry") and e.inputs.get("no_listed_expiry")
    ]
    assert {rule for _, rule in gaps} == {"tier.short.entry", "tier.medium.entry"}
    assert max(d for d, _ in gaps) < pd.Timestamp("2012-05-31")


@pytest.mark.slow
def test_a_condor_keeps_its_settlement_style_to_the_end(ladder_2006_2014) -> None:
    c, trades, journal = ladder_2006_2014
    # The legs in trades.csv: an SPX monthly condor trades SPX-root (AM) legs; a PM SPXW condor
    # trades SPXW-root legs (AM-settled SPXW Weeklys of 2005-2010 are booked with SPX-root legs).
    legs = trades[trades["book"] == "both"]
    for _, row in c.iterrows():
        root = "SPX" if row["settlement"] == "AM" else "SPXW"
        ids = legs[legs["tier_or_layer"] == row["tier"]]["contract"]
        assert ids.str.startswith(f"{root} {row['expiry'].date()} ").any(), row
    # Condors held to expiry settle on their own style: AM on the SOQ or a flagged proxy of it,
    # PM on the close.
    by_id = c.set_index("condor_id")
    settled = [
        e
        for _, es in journal
        for e in es
        # Condor settlements (a wing kept to expiry settles in an entry of its own, by contract).
        if e.rule.endswith(".settle") and e.rule.startswith("tier.") and "condor" in e.inputs
    ]
    kinds = {
        (by_id.loc[e.inputs["condor"], "settlement"], e.inputs["settlement_kind"]) for e in settled
    }
    am_kinds = {k for s, k in kinds if s == "AM"}
    pm_kinds = {k for s, k in kinds if s == "PM"}
    assert am_kinds and pm_kinds
    assert "pm_close" not in am_kinds and pm_kinds <= {"pm_close", "next_session"}, kinds


def test_a_gap_of_an_any_tier_is_journalled_with_every_series_horizon() -> None:
    # Mon 2007-06-04, medium 30-45 DTE: SPX monthlies 06-15 (DTE 11) and 07-20 (DTE 46), the
    # 06-29 Quarterly (DTE 25), Weeklys 8 days ahead: nothing in the window.
    market = generate_market("2007-05-01", "2007-07-31", seed=5)
    cfg = config_with_overrides(
        load_preset("ic-ladder"), **{"data.start": "2007-06-01", "data.end": "2007-07-31"}
    )
    r = Engine(engine_settings(cfg), market).run("gap")
    day = pd.Timestamp("2007-06-04")
    e = next(e for d, es in r.journal if d == day for e in es if e.rule == "tier.medium.entry")
    assert e.outcome == "skipped" and e.inputs["no_listed_expiry"] is True
    assert e.reason == (
        "no SPX or SPXW expiry in 30-45 DTE listed on 2007-06-04 (listed ahead then: SPX "
        "standard monthlies 366 days, SPXW Friday Weeklys 8 days, SPX Quarterlys 366 days)"
    )
    # The long tier found the 2007-08-17 monthly (DTE 74) and names its root and settlement.
    o = next(e for d, es in r.journal if d == day for e in es if e.rule == "tier.long.entry")
    assert o.outcome == "fired"
    assert (o.inputs["expiry"], o.inputs["root"], o.inputs["settlement"]) == (
        "2007-08-17",
        "SPX",
        "AM",
    )
    assert " x SPX " in o.reason and "exp 2007-08-17 AM" in o.reason


def test_the_run_definitions_name_each_tiers_expiry_choice() -> None:
    from alvh.backtest import definitions

    cfg = config_with_overrides(load_preset("ic-ladder"), **{"tiers[2].product": "spx"})
    got = definitions(cfg, generate_market("2020-01-02", "2020-02-28", seed=1))
    assert str(got["condor_expiries"]).startswith(
        "short: SPX or SPXW; medium: SPX or SPXW; long: SPX (the expiry listed on the entry day"
    )
