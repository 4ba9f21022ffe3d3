"""The configs of a sweep: ``--vary KEY=V1,V2,...`` parsed, validated and expanded.

Every key and value is checked against the pydantic config models (``config_with_overrides``)
and the engine's settings mapping (``engine_settings``) before anything runs, so a typo or a
value the config refuses stops the sweep at once with a ``ConfigError`` naming the key, the
value and what is allowed.
"""

from __future__ import annotations

import hashlib
import itertools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alvh.config.load import canonical_json, config_with_overrides
from alvh.config.run import RunConfig
from alvh.engine.from_config import engine_settings
from alvh.errors import ConfigError

# The data period and source are set once for the whole sweep (--data/--start/--end): every
# config of a sweep runs on the same market, which each worker loads once.
_FIXED_PREFIXES = ("data.",)


@dataclass(frozen=True)
class Vary:
    """One varied key and its values, in the order given."""

    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class SweepPoint:
    """One config of a sweep.

    Attributes
    ----------
    index
        Position in the full grid (row order of the results table).
    config_hash
        16 hex digits of the sha256 of the config's canonical JSON (``config_hash``).
    varied
        The varied values of this point, by key.
    config
        The validated config.
    """

    index: int
    config_hash: str
    varied: dict[str, Any]
    config: RunConfig


def parse_value(text: str) -> Any:
    """Return a ``--vary`` value: a TOML number or boolean when it reads as one, else the string.

    ``"0.16"`` -> 0.16, ``"45"`` -> 45, ``"true"`` -> True, ``"alvh-442"`` -> ``"alvh-442"``.
    """
    s = text.strip()
    try:
        v = tomllib.loads(f"v = {s}")["v"]
    except tomllib.TOMLDecodeError:
        return s
    # Only scalars: a TOML date or array would surprise more than help here.
    return v if isinstance(v, bool | int | float | str) else s


def parse_vary(spec: str) -> Vary:
    """Return the ``Vary`` of one ``KEY=V1,V2,...`` argument.

    Raises
    ------
    alvh.errors.ConfigError
        For a spec without ``=``, without values, with an empty or repeated value, or varying a
        ``data.*`` key.
    """
    key, sep, rest = spec.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(
            "--vary", spec, "KEY=V1,V2,... e.g. tiers[0].strikes.short_delta=0.1,0.16"
        )
    if key.startswith(_FIXED_PREFIXES):
        raise ConfigError(
            key, rest, "a strategy, hedge or execution key (set the data with --data/--start/--end)"
        )
    raw = [v for v in rest.split(",")]
    if not rest.strip() or any(not v.strip() for v in raw):
        raise ConfigError(key, rest, "one or more comma-separated values, none empty")
    values = tuple(parse_value(v) for v in raw)
    if len(set(map(repr, values))) != len(values):
        raise ConfigError(key, rest, "distinct values")
    return Vary(key, values)


def config_hash(cfg: RunConfig) -> str:
    """Return the 16-hex-digit sha256 of a config's canonical JSON (same in every process)."""
    return hashlib.sha256(canonical_json(cfg).encode("utf-8")).hexdigest()[:16]


def _build(base: RunConfig, over: Mapping[str, Any]) -> RunConfig:
    cfg = config_with_overrides(base, **over) if over else base
    engine_settings(cfg)  # refuses settings the engine does not implement, by key
    return cfg


def validate_varies(base: RunConfig, varies: Sequence[Vary]) -> None:
    """Check every key and every value alone against the config models; raise the first error.

    Each value is applied on its own to ``base`` so that the error names the key and value the
    user typed rather than a combination. Combinations are checked by ``sweep_points``.
    """
    keys = [v.key for v in varies]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ConfigError(dup[0], None, "each key in one --vary only")
    for v in varies:
        for value in v.values:
            _build(base, {v.key: value})


def grid_size(varies: Sequence[Vary]) -> int:
    """Return the number of configs of the full grid (1 with nothing varied)."""
    return int(np.prod([len(v.values) for v in varies], dtype=np.int64)) if varies else 1


def chosen_indices(n_grid: int, n_random: int | None, seed: int) -> list[int]:
    """Return the grid positions to run: all, or ``n_random`` drawn without replacement.

    The draw uses ``numpy.random.default_rng(seed)`` so the same arguments pick the same
    configs (resume depends on it); the positions are returned sorted.
    """
    if n_random is None or n_random >= n_grid:
        return list(range(n_grid))
    if n_random < 1:
        raise ConfigError("--random", n_random, "a number of configs >= 1")
    rng = np.random.default_rng(seed)
    return sorted(int(i) for i in rng.choice(n_grid, size=n_random, replace=False))


def sweep_points(
    base: RunConfig, varies: Sequence[Vary], n_random: int | None = None, seed: int = 0
) -> list[SweepPoint]:
    """Return the validated configs of a sweep, in grid order.

    Parameters
    ----------
    base
        The config every point starts from (data period and source already set).
    varies
        The varied keys; the grid is their Cartesian product, the first key slowest.
    n_random, seed
        Run only ``n_random`` grid points drawn with ``seed`` (None: the whole grid).

    Raises
    ------
    alvh.errors.ConfigError
        For an unknown key, a refused value, or a combination the config refuses (named with
        the point's values).
    """
    validate_varies(base, varies)
    combos = list(itertools.product(*(v.values for v in varies))) if varies else [()]
    points: list[SweepPoint] = []
    seen: dict[str, int] = {}
    for i in chosen_indices(len(combos), n_random, seed):
        varied = {v.key: x for v, x in zip(varies, combos[i], strict=True)}
        try:
            cfg = _build(base, varied)
        except ConfigError as e:
            raise ConfigError(
                e.key_path, e.value, f"{e.expected} (in the sweep point {varied})"
            ) from None
        h = config_hash(cfg)
        if h in seen:
            # Two spellings of one config (e.g. 45 and 45.0) would run twice for one row.
            raise ConfigError(
                "--vary", varied, f"distinct configs (same config as point {seen[h]})"
            )
        seen[h] = i
        points.append(SweepPoint(i, h, varied, cfg))
    return points
