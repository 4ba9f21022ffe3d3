"""Turn pydantic validation errors into ``ConfigError``: file, dotted key path, value, rule.

Shared by the run config (``alvh.config.load``) and the hedge table (``alvh.config.hedge``), so
every config error reads the same way whichever model refused it:

    examples/x.toml: 'tiers[0].wings.points' = 27; expected a multiple of 5

never pydantic's own words ("Extra inputs are not permitted") or a whole table ('{...}').
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from alvh.errors import ConfigError

_TAG_KEYS = ("schedule", "method")  # discriminator keys of the tagged unions in alvh.config
# A model validator's message that starts with the key it is about: "points (27) must be ...".
_COMPARATIVES = ("before", "after", "smaller", "larger", "less", "greater", "at ", "between")
_KEY_MESSAGE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*) \((?P<shown>[^)]*)\) (?P<rest>.*)$")


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""`` when none is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _clean_loc(loc: tuple[int | str, ...], raw: Any) -> list[int | str]:
    """Map a pydantic error location onto the user's keys (drop union-tag segments)."""
    out: list[int | str] = []
    cur = raw
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if (
            isinstance(cur, Mapping)
            and (not last or part not in cur)
            and any(cur.get(t) == part for t in _TAG_KEYS)
        ):
            continue  # the tag segment pydantic adds for a tagged union (tiers.0.wings.delta...)
        if isinstance(part, int) and isinstance(cur, list | tuple):
            out.append(part)
            cur = cur[part] if 0 <= part < len(cur) else None
        elif isinstance(cur, Mapping) and part in cur:
            out.append(part)
            cur = cur[part]
        elif last or not isinstance(cur, Mapping):
            out.append(part)
            cur = None
    return out


def dotted(parts: list[int | str]) -> str:
    """``["tiers", 0, "dte", "min"]`` -> ``"tiers[0].dte.min"``."""
    s = ""
    for p in parts:
        s += f"[{p}]" if isinstance(p, int) else (f".{p}" if s else str(p))
    return s


def _literal_tags(model: type[BaseModel]) -> dict[str, object]:
    tags: dict[str, object] = {}
    for name, f in model.model_fields.items():
        if (
            typing.get_origin(f.annotation) is typing.Literal
            and len(typing.get_args(f.annotation)) == 1
        ):
            tags[name] = typing.get_args(f.annotation)[0]
    return tags


def resolve_model(ann: Any, data: Any) -> Any:
    """Return the model class an annotation denotes for this data (unwrapping unions)."""
    while typing.get_origin(ann) is typing.Annotated:
        ann = typing.get_args(ann)[0]
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        members = [
            a for a in typing.get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if len(members) == 1:
            return members[0]
        for m in members:
            tags = _literal_tags(m)
            if (
                isinstance(data, Mapping)
                and tags
                and all(data.get(k) == v for k, v in tags.items())
            ):
                return m
        return None
    return ann


def _allowed_keys(root: type[BaseModel], parts: list[int | str], raw: Any) -> list[str] | None:
    ann: Any = root
    cur = raw
    for part in parts[:-1]:
        ann = resolve_model(ann, cur)
        if isinstance(part, int):
            args = typing.get_args(ann)
            ann = args[0] if args else None
            cur = cur[part] if isinstance(cur, list | tuple) and 0 <= part < len(cur) else None
        elif isinstance(ann, type) and issubclass(ann, BaseModel) and part in ann.model_fields:
            ann = ann.model_fields[part].annotation
            cur = cur.get(part) if isinstance(cur, Mapping) else None
        else:
            return None
    ann = resolve_model(ann, cur)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return list(ann.model_fields)
    return None


def _node(raw: Any, parts: list[int | str]) -> Any:
    cur = raw
    for p in parts:
        if isinstance(cur, Mapping):
            if p not in cur:
                return None
            cur = cur[p]
        elif isinstance(cur, list | tuple) and isinstance(p, int) and 0 <= p < len(cur):
            cur = cur[p]
        else:
            return None
    return cur


def translate(
    exc: ValidationError,
    raw: Any,
    source: str | Path | None,
    root: type[BaseModel],
    prefix: list[int | str] | None = None,
) -> ConfigError:
    """Turn the first pydantic error into a ConfigError that names key, value and rule.

    Parameters
    ----------
    exc
        The validation error.
    raw
        The data that was validated (to map locations onto the user's keys).
    source
        The file (or "the command line") the data came from.
    root
        The model validated (to list the keys allowed where an unknown key was found).
    prefix
        Key path of ``raw`` inside the whole config (``["hedge"]`` for the hedge table).
    """
    err = exc.errors(include_url=False)[0]
    parts = _clean_loc(tuple(err["loc"]), raw)
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    msg = str(err["msg"])
    if kind == "extra_forbidden":
        allowed = _allowed_keys(root, parts, raw)
        name = parts[-1] if parts else ""
        expected = (
            f"a known key (unknown key '{name}'{did_you_mean(name, allowed or [])}"
            + (f"; allowed keys here: {', '.join(allowed)}" if allowed else "")
            + ")"
        )
    elif kind == "missing":
        value, expected = None, "a value (this key is required)"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        parts.append(str(ctx.get("discriminator", "")).strip("'"))
        value = ctx.get("tag")
        tags = ctx.get("expected_tags")
        expected = f"one of {tags}" if tags else "a value: this key says which kind and is required"
    else:
        expected = msg.removeprefix("Value error, ").removeprefix("Input should be ")
        if kind.startswith(("greater", "less", "literal", "string_pattern")):
            expected = expected[:1].lower() + expected[1:]
        if isinstance(value, Mapping) and kind == "value_error":
            # A whole table failed a cross-field rule: point at the key the rule names.
            m = _KEY_MESSAGE.match(expected)
            node = _node(raw, parts)
            if m and isinstance(node, Mapping) and m["key"] in node:
                parts.append(m["key"])
                value = node[m["key"]]
                expected = m["rest"].removeprefix("must be ").removeprefix("must ")
                if expected.startswith(_COMPARATIVES):
                    expected = "a value " + expected  # "a value before end (2019-01-02)"
            elif isinstance(node, Mapping):
                value = dict(node)  # shown as {key = value, ...}: the keys the rule is about
    return ConfigError(dotted([*(prefix or []), *parts]) or "<root>", value, expected, source)
