"""Warnings for configs that are valid but cannot do what they ask.

A config can pass every rule of its models and still ask for something the market cannot give:
four open condors in a tier that enters once a month, a 7-21 DTE window on monthly-only
expiries. ``config_warnings`` names each such key, its value, and what will happen instead;
``alvh backtest``, ``alvh compare`` and ``alvh config show`` print them before running.
"""

from __future__ import annotations

from dataclasses import dataclass

from alvh.config.condor import MonthlyEntry
from alvh.config.run import RunConfig

# Standard monthly SPX expirations (third Fridays) are 28 or 35 days apart.
MONTHLY_GAP_MAX_DAYS = 35


@dataclass(frozen=True)
class ConfigWarning:
    """A key whose value cannot have its intended effect, and why."""

    key_path: str
    value: object
    message: str

    def __str__(self) -> str:
        return f"'{self.key_path}' = {self.value!r}: {self.message}"


def config_warnings(cfg: RunConfig) -> list[ConfigWarning]:
    """Return the warnings for ``cfg`` (empty when everything it asks for can happen)."""
    out: list[ConfigWarning] = []
    for i, t in enumerate(cfg.tiers):
        key = f"tiers[{i}]"
        if isinstance(t.entry, MonthlyEntry) and t.max_open_condors > 1:
            # One entry per monthly expiration, into the next monthly expiry; the condor ends
            # by that expiry, the day of the next entry: one open condor at a time.
            out.append(
                ConfigWarning(
                    f"{key}.max_open_condors",
                    t.max_open_condors,
                    f"tier '{t.name}' enters once a month into the next monthly expiry and each "
                    "condor ends by that expiry, so it never holds more than 1 condor",
                )
            )
        width_days = t.dte.max - t.dte.min
        if (
            t.product == "spx"
            and not isinstance(t.entry, MonthlyEntry)
            and width_days < MONTHLY_GAP_MAX_DAYS - 1
        ):
            out.append(
                ConfigWarning(
                    f"{key}.dte",
                    f"{t.dte.min:g}-{t.dte.max:g}",
                    f"tier '{t.name}' trades monthly SPX expiries only (product = 'spx'), "
                    f"which are 28 or 35 days apart: a {width_days:g}-day window misses "
                    "every expiry on some entry days (those entries are skipped); widen "
                    "it to 34 days or more, or use product = 'spxw'",
                )
            )
    d = cfg.data
    if d.source == "synthetic" and d.store_path:
        out.append(
            ConfigWarning(
                "data.store_path",
                d.store_path,
                "ignored: data.source = 'synthetic' runs on the synthetic market; set "
                "source = 'store' to use it",
            )
        )
    return out
