"""Each row's claims across the assumptions they rest on (``alvh sweep --band costs,surface``).

A row's verdicts are judged at the config's own assumptions; ``alvh compare --band`` shows how
far they carry by rerunning with one assumption moved at a time (``alvh.report.band``). With
``--band`` a sweep does the same per hedged config: the costs axis (the fitted spread model at
the low and high edges of its error band) and the surface axis (the model's ATM implied vol
x0.95 and x1.05), each a full backtest of the moved config on the same market, folded by
``alvh.report.band.band_verdict`` into one statement per claim. The 4/4/2-reading and notional
base axes of ``alvh compare --band`` are not added: in a sweep they are ``--vary hedge.preset``
and ``--vary hedge.sizing.notional_base``, rows of their own.

Each axis costs two more runs per hedged config (an unhedged config has no claim to band).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from alvh.config.run import RunConfig
from alvh.errors import ConfigError
from alvh.report.band import BandAxis, band_verdict, iv_scale_axis, spread_band_axis

BAND_AXES: dict[str, Callable[[], BandAxis]] = {
    "costs": spread_band_axis,
    "surface": iv_scale_axis,
}
# Per claim, the verdict across the band (``band_verdict``'s text) and its kind; the runs.
BAND_TEXT_COLUMNS: tuple[str, ...] = tuple(
    f"claim{n}_{s}" for n in (1, 2, 3) for s in ("band", "band_kind")
)
BAND_NUMBER_COLUMNS: tuple[str, ...] = ("band_runs",)


def parse_band(text: str | None) -> tuple[str, ...]:
    """Return the band axes of ``--band`` (``costs``, ``surface``, both comma-separated, or
    ``all``); empty for None or ``none``.

    Raises
    ------
    alvh.errors.ConfigError
        For a name that is not an axis.
    """
    if text is None or text.strip() in ("", "none"):
        return ()
    names = list(BAND_AXES) if text.strip() == "all" else [p.strip() for p in text.split(",")]
    bad = [n for n in names if n not in BAND_AXES]
    if bad or len(set(names)) != len(names):
        raise ConfigError(
            "--band", text, f"'all', 'none' or distinct names among {', '.join(BAND_AXES)}"
        )
    return tuple(n for n in BAND_AXES if n in names)  # a fixed order: the same row either way


def band_configs(cfg: RunConfig, axes: Sequence[str]) -> list[tuple[str, str, RunConfig]]:
    """Return ``(axis, level, moved config)`` of every run of ``cfg``'s band but the base."""
    out = []
    for name in axes:
        ax = BAND_AXES[name]()
        out += [(ax.name, level, move(cfg)) for level, move in ax.levels.items()]
    return out


def band_row(
    base: dict[str, Any], moved: Sequence[tuple[str, str, dict[str, Any]]]
) -> dict[str, Any]:
    """Return the band columns from the base row's verdicts and each moved run's.

    Parameters
    ----------
    base
        The config's own claim columns (``claim{n}_verdict``).
    moved
        ``(axis, level, claim columns)`` of each moved run, in ``band_configs`` order.
    """
    row: dict[str, Any] = {}
    for n in (1, 2, 3):
        col = f"claim{n}_verdict"
        runs = [("base", "base", str(base[col]))]
        runs += [(a, lv, str(r[col])) for a, lv, r in moved]
        b = band_verdict(runs)
        row[f"claim{n}_band"], row[f"claim{n}_band_kind"] = b.text, b.kind
    row["band_runs"] = float(1 + len(moved))
    return row


def no_band_row() -> dict[str, Any]:
    """Return the band columns of a row without a band (not asked, or a failed config)."""
    return {**dict.fromkeys(BAND_TEXT_COLUMNS, ""), "band_runs": float("nan")}
