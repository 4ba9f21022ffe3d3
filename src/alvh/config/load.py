"""Load, override, hash and write run configurations.

- ``load_config(path)``: TOML file -> ``RunConfig``; a file may start from a preset with
  ``extends = "ic-ladder"`` and override only what it changes (tables merge, arrays replace).
- ``load_preset(name)``: a built-in preset from ``alvh/presets/<name>.toml``.
- ``config_with_overrides(cfg, **{"capital.initial_usd": 5e5, "tiers[0].dte.min": 10})``.
- ``run_id(cfg, data_id, version)``: short sha256 of the canonical JSON of all three.
- ``dump_toml(cfg)``: the resolved config as deterministic TOML (``load_config`` reads it back).

Every invalid key or value raises ``alvh.errors.ConfigError`` naming the dotted key path, the
value, what is allowed, and the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from alvh.config.errors import did_you_mean, translate
from alvh.config.errors import dotted as _dotted
from alvh.config.hedge import HedgeConfig, deep_merge, hedge_config_from_dict
from alvh.config.run import RunConfig
from alvh.errors import ConfigError

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


# -- building -----------------------------------------------------------------------------------
def _preset_text(
    name: str, key: str = "--preset", source: str | Path | None = None
) -> tuple[str, str]:
    names = preset_names()
    if name not in names:
        raise ConfigError(
            key,
            name,
            f"a preset: one of {', '.join(names)}{did_you_mean(name, names)} "
            "(list them with 'alvh presets')",
            source,
        )
    res = resources.files("alvh").joinpath("presets", f"{name}.toml")
    return res.read_text(encoding="utf-8"), f"preset {name} ({name}.toml)"


def config_from_dict(data: Mapping[str, Any], source: str | Path | None = None) -> RunConfig:
    """Validate a TOML-shaped dict into a RunConfig (``extends`` and ``hedge`` resolved)."""
    data = dict(data)
    base = data.pop("extends", None)
    if base is not None:
        if not isinstance(base, str):
            raise ConfigError("extends", base, "the name of a preset, e.g. 'ic-ladder'", source)
        text, _ = _preset_text(base, "extends", source)
        data = deep_merge(tomllib.loads(text), data)
    hedge = data.get("hedge", {})
    if not isinstance(hedge, Mapping | HedgeConfig):
        raise ConfigError("hedge", hedge, "a table, e.g. [hedge] preset = 'alvh-442'", source)
    if isinstance(hedge, Mapping):
        data["hedge"] = hedge_config_from_dict(hedge, source)
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise translate(exc, data, source, RunConfig) from None


def load_config(path: str | Path) -> RunConfig:
    """Load a run configuration from a TOML file.

    Raises
    ------
    ConfigError
        For unreadable TOML, unknown keys and invalid values (names the file and key).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("<file>", str(p), f"a readable TOML file ({exc.strerror})", p) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("<file>", None, f"valid TOML ({exc})", p) from None
    return config_from_dict(data, p)


def preset_names() -> tuple[str, ...]:
    """Return the names of the built-in run presets."""
    folder = resources.files("alvh").joinpath("presets")
    return tuple(sorted(f.name[:-5] for f in folder.iterdir() if f.name.endswith(".toml")))


def load_preset(name: str) -> RunConfig:
    """Return the built-in preset ``name`` (see ``preset_names()``)."""
    text, source = _preset_text(name)
    return config_from_dict(tomllib.loads(text), source)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _split_path(dotted: str) -> list[int | str]:
    parts: list[int | str] = []
    for name, idx in _PATH_PART.findall(dotted):
        parts.append(int(idx) if idx else (int(name) if name.isdigit() else name))
    return parts


def _thaw(v: Any) -> Any:
    """Return nested dicts/lists (tuples from model_dump become lists so they can be edited)."""
    if isinstance(v, Mapping):
        return {k: _thaw(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_thaw(x) for x in v]
    return v


def config_with_overrides(cfg: RunConfig, /, **dotted: Any) -> RunConfig:
    """Return ``cfg`` with values replaced by dotted key paths, validated again.

    Keys are paths like ``"capital.initial_usd"``, ``"tiers[0].dte.min"`` (or ``tiers.0.dte.min``);
    pass them with ``**{...}``. Setting ``hedge.preset`` starts the hedge from that preset (plus
    any other ``hedge.*`` overrides given), dropping the old hedge customisation.
    """
    data: dict[str, Any] = _thaw(cfg.model_dump(mode="python"))
    hedge_over = {k: v for k, v in dotted.items() if k.startswith("hedge.")}
    if "hedge.preset" in hedge_over:
        data["hedge"] = {}
    for key, value in dotted.items():
        parts = _split_path(key)
        if not parts:
            raise ConfigError(
                key, value, "a dotted key path like 'capital.initial_usd'", "overrides"
            )
        cur: Any = data
        for i, part in enumerate(parts[:-1]):
            if isinstance(part, int):
                if not isinstance(cur, list) or not 0 <= part < len(cur):
                    raise ConfigError(
                        _dotted(parts[: i + 1]), value, "an existing list index", "overrides"
                    )
                cur = cur[part]
            else:
                if not isinstance(cur, dict):
                    raise ConfigError(_dotted(parts[: i + 1]), value, "a table", "overrides")
                cur = cur.setdefault(part, {})
        last = parts[-1]
        if isinstance(last, int):
            if not isinstance(cur, list) or not 0 <= last < len(cur):
                raise ConfigError(_dotted(parts), value, "an existing list index", "overrides")
            cur[last] = value
        elif isinstance(cur, dict):
            cur[last] = value
        else:
            raise ConfigError(_dotted(parts[:-1]), cur, "a table to set a key in", "overrides")
    return config_from_dict(data, "overrides")


# -- hashing and writing ------------------------------------------------------------------------
def canonical_json(cfg: RunConfig) -> str:
    """Return the config as JSON with sorted keys and no whitespace (independent of dict order)."""
    return json.dumps(cfg.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def run_id(cfg: RunConfig, data_id: str, version: str) -> str:
    """Return a 16-hex-digit id of (config, data id, package version).

    The sha256 of canonical JSON, so it is the same in every process and changes with any value.
    """
    payload = json.dumps(
        {"config": json.loads(canonical_json(cfg)), "data_id": data_id, "version": version},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else json.dumps(k)


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, datetime | date | time):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    if isinstance(v, Path):
        v = str(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string
    raise TypeError(f"cannot write {type(v).__name__} to TOML: {v!r}")


def _is_table_array(v: Any) -> bool:
    return isinstance(v, list | tuple) and len(v) > 0 and all(isinstance(x, Mapping) for x in v)


def _emit(table: Mapping[str, Any], path: list[str], out: list[str]) -> None:
    for k, v in table.items():
        if v is None:
            # TOML has no null: leave a visible trace; a key left out takes its default
            out.append(f"# {_key(k)} = (not set)")
        elif not (isinstance(v, Mapping) or _is_table_array(v)):
            out.append(f"{_key(k)} = {_scalar(v)}")
    for k, v in table.items():
        if isinstance(v, Mapping):
            # a table holding only sub-tables needs no header of its own (TOML creates it)
            if not v or not all(isinstance(x, Mapping) for x in v.values()):
                out.append("")
                out.append("[" + ".".join([*path, _key(k)]) + "]")
            _emit(v, [*path, _key(k)], out)
    for k, v in table.items():
        if _is_table_array(v):
            for item in v:
                out.append("")
                out.append("[[" + ".".join([*path, _key(k)]) + "]]")
                _emit(item, [*path, _key(k)], out)


def dump_toml(cfg: RunConfig) -> str:
    """Return the resolved config as TOML: every key written, same input -> same bytes.

    ``None`` values are written as comments (TOML has no null); a key left out takes its default,
    so the text reads back to an equal config whenever each optional key defaults to ``None``.
    """
    out: list[str] = [f"# alvh run config (resolved): {cfg.name}"]
    _emit(cfg.model_dump(mode="python"), [], out)
    return "\n".join(out) + "\n"
