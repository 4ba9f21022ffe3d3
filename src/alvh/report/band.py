"""Verdicts with their band: each claim judged across the assumptions it rests on.

A verdict on one run rests on assumptions the data cannot pin down: what fills cost, how far
the model surface is from real quotes out of sample, which reading of "4/4/2" is meant and which
notional base sizes a budget hedge. ``alvh compare --band`` reruns each hedged preset with one
assumption moved at a time to the edges of its band (the base run is the centre of every axis)
and ``band_verdict`` folds the verdicts into one statement per claim:

- **holds in all**: every run of the band holds;
- **fails in all**: every run does not hold;
- **inconclusive in all**: no run can decide it;
- **depends on (...)**: otherwise, naming each assumption whose moves change the verdict and the
  verdict at each of its levels.

The axes are pluggable (``BandAxis``): a name, and per level a function from the run config to
the moved config. The defaults (``default_axes``):

- costs: the fitted spread model at the edges of its own error band, ``execution.spread_band``
  ``low`` and ``high`` (every half-spread times 1 -/+ ``spread_error_frac``, 0.40: the fit's
  largest error in a price bucket where condor legs trade; docs/costs.md). ``slippage_axis``
  (multiples of the slippage fraction) stays available as another reading of "costs";
- surface: ``assumptions.iv_scale`` 0.95 and 1.05, the model's ATM implied vol moved by 5%
  (docs/calibration.md: condor credits on the model are off real mids by 11% mean absolute,
  +6% on average, on January 2018; an OTM condor's credit moves by more than the vol does);
- 4/4/2 reading: the other two readings (``442-budget``, ``442-instruments``), for 4/4/2 presets;
- notional base: ``margin`` and ``spx_notional`` instead of ``max_loss``, where the hedge is
  sized on a notional budget (the budget reading; on vega-sized runs the base is unused).

One assumption at a time keeps the run count linear in the axes (2 per axis) rather than the
product of them; a verdict that only flips when two assumptions move together is not seen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from alvh.config.load import config_with_overrides
from alvh.config.run import RunConfig

ConfigMove = Callable[[RunConfig], RunConfig]

READINGS_442 = ("alvh-442", "442-budget", "442-instruments")
NOTIONAL_BASES = ("max_loss", "margin", "spx_notional")


@dataclass(frozen=True)
class BandAxis:
    """One assumption and its band: ``levels`` maps a level name to the config move."""

    name: str
    levels: Mapping[str, ConfigMove]
    why: str = ""


@dataclass(frozen=True)
class Scenario:
    """One run of the band: the assumption moved (``axis``, ``level``) and its config."""

    axis: str
    level: str
    config: RunConfig

    @property
    def label(self) -> str:
        return "base" if self.axis == "base" else f"{self.axis}: {self.level}"


def slippage_axis(low: float = 0.5, high: float = 1.5) -> BandAxis:
    """Return the costs axis as multipliers on the slippage fraction of the half-spread."""

    def move(k: float) -> ConfigMove:
        def f(cfg: RunConfig) -> RunConfig:
            frac = cfg.execution.slippage_frac_of_half_spread * k
            return config_with_overrides(cfg, **{"execution.slippage_frac_of_half_spread": frac})

        return f

    return BandAxis(
        "costs",
        {f"low (slippage x{low:g})": move(low), f"high (slippage x{high:g})": move(high)},
        "fills at mid plus a multiple of the modelled half-spread",
    )


def spread_band_axis() -> BandAxis:
    """Return the costs axis: the fitted spread model at the low and high edges of its band."""

    def move(band: str) -> ConfigMove:
        def f(cfg: RunConfig) -> RunConfig:
            return config_with_overrides(cfg, **{"execution.spread_band": band})

        return f

    return BandAxis(
        "costs",
        {"low (spread band)": move("low"), "high (spread band)": move("high")},
        "the fitted half-spread model's error band (docs/costs.md)",
    )


def iv_scale_axis(rel_error: float = 0.05) -> BandAxis:
    """Return the surface axis: the model's ATM implied vol times ``1 -/+ rel_error``."""

    def move(s: float) -> ConfigMove:
        def f(cfg: RunConfig) -> RunConfig:
            return config_with_overrides(cfg, **{"assumptions.iv_scale": s})

        return f

    lo, hi = 1.0 - rel_error, 1.0 + rel_error
    return BandAxis(
        "surface",
        {f"model IV x{lo:g}": move(lo), f"model IV x{hi:g}": move(hi)},
        "the model surface's out-of-sample error",
    )


def default_axes() -> tuple[BandAxis, ...]:
    """Return the costs and surface axes with their default bands (see the module)."""
    return (spread_band_axis(), iv_scale_axis())


def _with_preset(cfg: RunConfig, preset: str, notional: str | None = None) -> RunConfig:
    over: dict[str, object] = {"hedge.preset": preset}
    if notional is not None:
        over["hedge.sizing.notional_base"] = notional
    return config_with_overrides(cfg, **over)


def band_scenarios(base: RunConfig, axes: Sequence[BandAxis] | None = None) -> list[Scenario]:
    """Return the runs of a hedged config's band: the base, then one move per axis level.

    Parameters
    ----------
    base
        The hedged run's config (its hedge preset decides whether the 4/4/2 axes apply).
    axes
        The assumption axes (default ``default_axes()``); the 4/4/2 reading and notional-base
        axes are added for 4/4/2 presets.
    """
    out = [Scenario("base", "base", base)]
    for ax in default_axes() if axes is None else axes:
        out += [Scenario(ax.name, lvl, move(base)) for lvl, move in ax.levels.items()]
    preset = base.hedge.preset
    if preset in READINGS_442:
        for other in READINGS_442:
            if other != preset:
                out.append(Scenario("4/4/2 reading", other, _with_preset(base, other)))
        # The notional base sizes only a budget hedge: move it on the budget reading.
        budget = (
            base if base.hedge.sizing.size_base == "budget" else _with_preset(base, "442-budget")
        )
        own = budget.hedge.sizing.notional_base
        for nb in NOTIONAL_BASES:
            if nb != own:
                cfg = config_with_overrides(budget, **{"hedge.sizing.notional_base": nb})
                out.append(Scenario("notional base", f"{nb} (budget reading)", cfg))
    return out


@dataclass(frozen=True)
class BandVerdict:
    """A claim's verdict across its band.

    Attributes
    ----------
    text
        ``holds in all``, ``fails in all``, ``inconclusive in all`` or ``depends on (...)``.
    kind
        ``holds``, ``fails``, ``inconclusive`` or ``depends``.
    n_runs
        Runs in the band (the base included).
    per_run
        ``scenario label -> verdict`` for every run.
    depends_on
        The assumptions whose moves change the verdict.
    """

    text: str
    kind: str
    n_runs: int
    per_run: dict[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()


NO_CLAIMS = BandVerdict("n/a", "n/a", 0)


def band_verdict(verdicts: Sequence[tuple[str, str, str]]) -> BandVerdict:
    """Fold ``(axis, level, verdict)`` of every run of a band into one statement.

    The first entry is the base run (axis ``base``). A verdict of ``n/a`` (a run without a
    hedge) anywhere gives ``n/a``.

    Examples
    --------
    >>> v = [("base", "base", "holds"), ("costs", "low", "holds"), ("costs", "high", "fails")]
    >>> band_verdict(v).text
    'depends on (holds at the base; costs: fails at high)'
    """
    if not verdicts:
        return NO_CLAIMS
    per_run = {("base" if a == "base" else f"{a}: {lv}"): v for a, lv, v in verdicts}
    values = {v for _, _, v in verdicts}
    if "n/a" in values:
        return NO_CLAIMS
    n = len(verdicts)
    if values == {"holds"}:
        return BandVerdict("holds in all", "holds", n, per_run)
    if values == {"does not hold"}:
        return BandVerdict("fails in all", "fails", n, per_run)
    if values == {"inconclusive"}:
        return BandVerdict("inconclusive in all", "inconclusive", n, per_run)
    base = verdicts[0][2]
    others = verdicts[1:]
    moved = [(a, lv, v) for a, lv, v in others if v != base]
    axes = tuple(dict.fromkeys(a for a, _, _ in moved))
    if len(others) >= 2 and len(moved) == len(others) and len({v for _, _, v in moved}) == 1:
        # Only the base differs: say so, rather than list every move.
        text = (
            f"depends on (every assumption: {base} only at the base; {moved[0][2]} in the "
            f"other {len(others)} runs, {', '.join(axes)})"
        )
        return BandVerdict(text, "depends", n, per_run, axes)
    parts = []
    for a in axes:
        by_v: dict[str, list[str]] = {}
        for ax, lv, v in moved:
            if ax == a:
                by_v.setdefault(v, []).append(lv)
        parts.append(f"{a}: " + "; ".join(f"{v} at {', '.join(lvs)}" for v, lvs in by_v.items()))
    text = f"depends on ({base} at the base; " + "; ".join(parts) + ")"
    return BandVerdict(text, "depends", n, per_run, axes)
