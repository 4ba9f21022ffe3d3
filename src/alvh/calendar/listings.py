"""When each SPX-family expiry and each hedge product was listed: the listing history as data.

An expiry may be traded on day D only if it was listed on D. Cboe never lists an SPX series
forever ahead: early SPX Weeklys were listed about a week before they expired, and the listing
horizon grew over the years. ``LISTING_RULES`` holds, per series, the eras of its listing horizon
(from which day, how many calendar days ahead an expiry is listed) with the source of each era;
``first_listed_day`` turns them into the first day an expiry could be traded.

Where a source gives only a month or a circular without a day, the era starts on the last day of
that month (or the source's own date): a conservative reading, so that an expiry is never treated
as listed earlier than a source shows. Sources are cited here and in docs/calendar.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from alvh.errors import NoDataError


class NotListedError(NoDataError):
    """An expiry or product asked for on a day it was not listed."""


SERIES: Final = (
    "spx_monthly",
    "spxw_friday",
    "spxw_monday",
    "spxw_tuesday",
    "spxw_wednesday",
    "spxw_thursday",
    "spxw_third_friday_pm",
    "spxw_quarterly",
    "spxw_eom",
)


@dataclass(frozen=True)
class ListingEra:
    """One era of a series' listing horizon.

    Attributes
    ----------
    series
        Series name (one of ``SERIES``).
    from_day
        First day the era's listing horizon applies (the series' first listing day for its
        first era).
    horizon_days
        An expiry of the series is listed once it is at most this many calendar days away.
    source
        Where the fact comes from.
    """

    series: str
    from_day: date
    horizon_days: int
    source: str


# A weekly listed on a Thursday for the Friday N weeks later is 7N + 1 calendar days ahead.
LISTING_RULES: Final[tuple[ListingEra, ...]] = (
    # Standard AM-settled monthlies: twelve near-term months plus LEAPS; the tiers never reach
    # past a year, so one year covers every expiry they could want.
    ListingEra(
        "spx_monthly", date(1990, 1, 2), 366, "Cboe SPX specifications: 12 near-term months"
    ),
    # Friday Weeklys, Short Term Option Series (AM-settled): listed on Thursday (the first one on
    # Fri 2005-10-28) to expire on the Friday of the following week (Cboe Weeklys contract
    # specifications; CBOE press release 2005-09-09).
    ListingEra("spxw_friday", date(2005, 10, 28), 8, "Cboe Weeklys specs: listed Thu, 1 week"),
    # End-of-Week pilot (PM): began Thu 2010-12-02 for the 2010-12-10 expiry (Cboe RG10-112); no
    # source found for a longer horizon before May 2012, so still one week.
    ListingEra("spxw_friday", date(2010, 12, 2), 8, "Cboe RG10-112: EOW from 2010-12-02"),
    # "In May 2012 CBOE began extending the listings of SPX Weeklys, and maintaining five
    # consecutive expiration weeks" (Cboe Options Hub, 2012-11-09).
    ListingEra("spxw_friday", date(2012, 5, 31), 36, "Cboe Options Hub 2012-11-09: 5 weeks"),
    # Cboe RG14-010 (January 2014): six consecutive SPXW Friday expirations.
    ListingEra("spxw_friday", date(2014, 1, 31), 43, "Cboe RG14-010: 6 weeks"),
    # Wednesday Weeklys: listed from Tue 2016-02-23 with the 03-02 and 03-09 expiries, two
    # consecutive at first (Cboe Options Hub 2016-02-22, RG16-024/035); RG16-102 (2016-05-24): at
    # least four consecutive weeks; six for Monday and Wednesday series (Cboe SPXW product page,
    # dated after the 2017-05-01 SPXPM conversion it describes).
    ListingEra("spxw_wednesday", date(2016, 2, 23), 15, "Cboe RG16-024: 2 weeks"),
    ListingEra("spxw_wednesday", date(2016, 5, 24), 29, "Cboe RG16-102: 4 weeks"),
    ListingEra("spxw_wednesday", date(2017, 5, 1), 43, "Cboe SPXW page (2017): 6 weeks"),
    # Monday Weeklys: listed from Mon 2016-08-15 with the 08-22 and 08-29 expiries (Cboe Options
    # Hub 2016-08-11 and 2016-08-17).
    ListingEra("spxw_monday", date(2016, 8, 15), 14, "Cboe Options Hub 2016-08-11: 2 weeks"),
    ListingEra("spxw_monday", date(2017, 5, 1), 43, "Cboe SPXW page (2017): 6 weeks"),
    # Tuesday (from Mon 2022-04-18) and Thursday (from Wed 2022-05-11) Weeklys (Cboe release,
    # Traders Magazine 2022). Listed about one week ahead; Cboe later extended them to "at least
    # four weeks", a date not pinned by the sources found, so one week is kept (conservative).
    ListingEra("spxw_tuesday", date(2022, 4, 18), 8, "Cboe 2022 release: Tue from 2022-04-18"),
    ListingEra("spxw_thursday", date(2022, 5, 11), 8, "Cboe 2022 release: Thu from 2022-05-11"),
    # Third-Friday PM series: SPXPM renamed SPXW on 2017-05-01 (Cboe RG17-002); listed like the
    # standard monthlies.
    ListingEra("spxw_third_friday_pm", date(2017, 5, 1), 366, "Cboe RG17-002: SPXPM -> SPXW"),
    # SPX Quarterlys (SPXQ): "first launched by CBOE in July 2006" (Cboe SPX Quarterly page);
    # "initially, CBOE will list options with Quarterly expirations for a period of one year".
    ListingEra("spxw_quarterly", date(2006, 7, 31), 366, "Cboe SPX Quarterly page: July 2006"),
    # End-of-Month: trading began 2014-07-07 (CBOE release 2014-05-29); "up to twelve (12)
    # consecutive End-of-Month contract months may be listed, each expiring in less than one
    # year" (Cboe EOM specifications).
    ListingEra("spxw_eom", date(2014, 7, 7), 365, "Cboe EOM specs: 12 months"),
)


def eras(series: str) -> tuple[ListingEra, ...]:
    """Return the listing eras of a series, oldest first."""
    out = tuple(e for e in LISTING_RULES if e.series == series)
    if not out:
        raise ValueError(f"unknown series {series!r}; expected one of {', '.join(SERIES)}")
    return out


def first_listed_day(series: str, expiry: date) -> date:
    """Return the first day an expiry of ``series`` was listed (could be traded).

    Within each era the expiry is listed from ``expiry - horizon_days`` (but not before the
    era began); the earliest such day that falls inside its era wins.

    Parameters
    ----------
    series
        One of ``SERIES``.
    expiry
        The expiry day.

    Returns
    -------
    datetime.date
        The first listed day (on or before ``expiry``).

    Raises
    ------
    NotListedError
        When the series had not started by ``expiry``.
    """
    es = eras(series)
    best: date | None = None
    for i, era in enumerate(es):
        end = es[i + 1].from_day if i + 1 < len(es) else date.max
        d = max(era.from_day, expiry - timedelta(days=era.horizon_days))
        if d < end and d <= expiry and (best is None or d < best):
            best = d
    if best is None:
        raise NotListedError(
            f"{series} expiry {expiry} was never listed: the series was first listed on "
            f"{es[0].from_day}"
        )
    return best


def listed_on(series: str, expiry: date, day: date) -> bool:
    """Return True when an expiry of ``series`` was listed (tradable) on ``day``."""
    if day > expiry:
        return False
    try:
        return first_listed_day(series, expiry) <= day
    except NotListedError:
        return False


_PRODUCT_SERIES: Final = {
    "spx": ("spx_monthly",),
    "spxw": (
        "spxw_friday",
        "spxw_quarterly",
        "spxw_eom",
        "spxw_wednesday",
        "spxw_monday",
        "spxw_third_friday_pm",
        "spxw_tuesday",
        "spxw_thursday",
    ),
}
# A tier with ``product = "any"`` chooses among every listed SPX and SPXW expiry.
_PRODUCT_SERIES["any"] = _PRODUCT_SERIES["spx"] + _PRODUCT_SERIES["spxw"]
_PRODUCT_LABELS: Final = {"spx": "SPX", "spxw": "SPXW", "any": "SPX or SPXW"}
_SERIES_WORDS: Final = {
    "spx_monthly": "SPX standard monthlies",
    "spxw_friday": "SPXW Friday Weeklys",
    "spxw_quarterly": "SPX Quarterlys",
    "spxw_eom": "SPXW End-of-Month",
    "spxw_wednesday": "Wednesday Weeklys",
    "spxw_monday": "Monday Weeklys",
    "spxw_third_friday_pm": "third-Friday PM series",
    "spxw_tuesday": "Tuesday Weeklys",
    "spxw_thursday": "Thursday Weeklys",
}


def product_label(product: str) -> str:
    """Return a tier product (``spx``, ``spxw``, ``any``) as words: ``SPX``, ``SPXW``,
    ``SPX or SPXW``."""
    return _PRODUCT_LABELS[product.lower()]


def series_summary(product: str) -> str:
    """Return, in words, when a product (``spx``, ``spxw``, ``any``) was first listed and how
    far ahead, e.g. for an error message."""
    first = min(
        (eras(series)[0] for series in _PRODUCT_SERIES[product.lower()]), key=lambda e: e.from_day
    )
    es = eras(first.series)
    until = f" until {es[1].from_day}" if len(es) > 1 else ""
    return (
        f"{product_label(product)} expiries were first listed on {first.from_day} "
        f"({_SERIES_WORDS[first.series]}, listed {first.horizon_days} days ahead{until}; "
        "listing history in docs/calendar.md)"
    )


def horizons_on(product: str, day: date) -> str:
    """Return, in words, how far ahead each series of a product was listed on ``day``.

    E.g. ``"listed ahead then: SPXW Friday Weeklys 8 days, SPX Quarterlys 366 days"``.
    """
    parts = []
    for series in _PRODUCT_SERIES[product.lower()]:
        live = [e for e in eras(series) if e.from_day <= day]
        if live:
            parts.append(f"{_SERIES_WORDS[series]} {live[-1].horizon_days} days")
    return "listed ahead then: " + (", ".join(parts) if parts else "nothing yet")


# --- hedge products ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductLaunch:
    """The first session a hedge product traded, with its source."""

    product: str
    first_day: date
    source: str


PRODUCT_LAUNCHES: Final[dict[str, ProductLaunch]] = {
    # CFE began trading VX futures on 2004-03-26 (first contract VXK04).
    "vx": ProductLaunch("vx", date(2004, 3, 26), "CFE: VX futures from 2004-03-26"),
    # Cboe VIX options began trading on 2006-02-24.
    "vix_option": ProductLaunch("vix_option", date(2006, 2, 24), "Cboe: VIX options 2006-02-24"),
    # Mini VIX futures (VXM, $100 multiplier): trading began with CFE's global trading hours on
    # Sunday 2020-08-09 at 17:00 CT, i.e. the trade date Monday 2020-08-10 (Cboe release
    # 2020-08-18, "Cboe Global Markets Sees Strong Debut for New Mini VIX Futures"). The older
    # CFE mini-VIX (VM, 2009-2014) was a different, thinly traded contract and is not modelled.
    "vxm": ProductLaunch("vxm", date(2020, 8, 10), "Cboe release 2020-08-18: VXM from 2020-08-10"),
    # The first VIX-futures exchange-traded product, iPath VXX (S&P 500 VIX Short-Term Futures
    # index), began trading on 2009-01-30 (inception 2009-01-29). The index itself was
    # back-calculated to 2005, but nothing tracking it could be bought before.
    "etf": ProductLaunch("etf", date(2009, 1, 30), "iPath VXX: traded from 2009-01-30"),
}


def product_listed_on(product: str, day: date) -> bool:
    """Return True when a hedge product (``vx``, ``vix_option``, ``vxm``, ``etf``) traded on
    ``day``."""
    launch = PRODUCT_LAUNCHES.get(product)
    if launch is None:
        raise ValueError(
            f"unknown product {product!r}; expected one of {', '.join(PRODUCT_LAUNCHES)}"
        )
    return day >= launch.first_day
