"""Every config key, generated from the pydantic models so the list cannot drift from the code.

``config_keys()`` walks ``RunConfig`` (and the hedge table) and returns one ``KeyDoc`` per
leaf key: dotted path, type, default, allowed values (from the field's constraints) and meaning
(the field's description, or the attribute docstring written under it in the model). Tagged
unions (``wings``, ``strikes``, ``entry``) list each kind's keys under ``path (tag = kind)``.
``alvh config keys`` prints them; docs/book-and-config.md carries them as a generated table
that a test compares with ``keys_markdown()``.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
import types
import typing
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from alvh.config.run import RunConfig

_TAG_KEYS = ("schedule", "method")


@dataclass(frozen=True)
class KeyDoc:
    """One config key: where it is, what it holds, its default, what is allowed, what it means."""

    path: str
    type: str
    default: str
    allowed: str
    meaning: str


@cache
def _attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    """Return {field: docstring} for the strings written under fields in the class body."""
    out: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, BaseModel)) or klass is BaseModel:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for a, b in itertools.pairwise(body):
            if (
                isinstance(a, ast.AnnAssign)
                and isinstance(a.target, ast.Name)
                and isinstance(b, ast.Expr)
                and isinstance(b.value, ast.Constant)
                and isinstance(b.value.value, str)
            ):
                out[a.target.id] = " ".join(inspect.cleandoc(b.value.value).split())
    return out


def _first_sentence(doc: str | None) -> str:
    text = " ".join(inspect.cleandoc(doc or "").split())
    return text.split(". ")[0].rstrip(".") if text else ""


def _type_name(ann: Any) -> str:
    while typing.get_origin(ann) is typing.Annotated:
        ann = typing.get_args(ann)[0]
    origin = typing.get_origin(ann)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(ann))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(ann) if a is not type(None)) + (
            " (optional)" if type(None) in typing.get_args(ann) else ""
        )
    if origin in (list, tuple):
        args = [a for a in typing.get_args(ann) if a is not Ellipsis]
        inner = ", ".join(_type_name(a) for a in args[:1])
        return (
            f"list of {inner}"
            if origin is list or Ellipsis in typing.get_args(ann)
            else (f"[{', '.join(_type_name(a) for a in args)}]")
        )
    if isinstance(ann, type):
        return ann.__name__
    return str(ann).replace("typing.", "")


def _allowed(field: Any) -> str:
    words = []
    for m in field.metadata:
        for attr, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            v = getattr(m, attr, None)
            if v is not None:
                words.append(f"{sym} {v:g}" if isinstance(v, float) else f"{sym} {v}")
        if isinstance(m, annotated_types.MaxLen):
            words.append(f"at most {m.max_length} characters")
        pattern = getattr(m, "pattern", None)
        if pattern:
            words.append(f"matches {pattern}")
    return ", ".join(words)


def _default(field: Any) -> str:
    if field.default is PydanticUndefined:
        return "(required)" if field.default_factory is None else "(computed)"
    v = field.default
    if isinstance(v, BaseModel):
        return "(table)"
    if v is None:
        return "(not set)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Enum):
        return repr(v.value)
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, tuple | list):
        return "[" + ", ".join(_default_scalar(x) for x in v) + "]"
    return _default_scalar(v)


def _default_scalar(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.10g}".replace(",", "_") if abs(v) >= 1e4 else f"{v:g}"
    if isinstance(v, str):
        return repr(v)
    return str(getattr(v, "isoformat", lambda: v)())


def _models_in(ann: Any) -> tuple[list[type[BaseModel]], bool]:
    """Return (models the annotation holds, whether it is a list of them)."""
    while typing.get_origin(ann) is typing.Annotated:
        ann = typing.get_args(ann)[0]
    is_list = typing.get_origin(ann) in (list, tuple)
    if is_list:
        args = typing.get_args(ann)
        ann = args[0] if args else None
        while typing.get_origin(ann) is typing.Annotated:
            ann = typing.get_args(ann)[0]
    members = (
        typing.get_args(ann)
        if typing.get_origin(ann) in (typing.Union, types.UnionType)
        else (ann,)
    )
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    return models, is_list


def _tag(model: type[BaseModel]) -> str | None:
    for key in _TAG_KEYS:
        f = model.model_fields.get(key)
        if f is not None and typing.get_origin(f.annotation) is typing.Literal:
            return f"{key} = {typing.get_args(f.annotation)[0]!r}"
    return None


def _walk(model: type[BaseModel], prefix: str, out: list[KeyDoc]) -> None:
    docs = _attribute_docs(model)
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        models, is_list = _models_in(field.annotation)
        if models:
            path += "[]" if is_list else ""
            for m in models:
                tag = _tag(m) if len(models) > 1 else None
                _walk(m, f"{path} ({tag})" if tag else path, out)
            continue
        meaning = field.description or docs.get(name) or ""
        out.append(
            KeyDoc(path, _type_name(field.annotation), _default(field), _allowed(field), meaning)
        )
        if not meaning:
            # No words of its own: say which table it belongs to (the model's first sentence).
            out[-1] = KeyDoc(
                path, out[-1].type, out[-1].default, out[-1].allowed, _first_sentence(model.__doc__)
            )


def config_keys() -> list[KeyDoc]:
    """Return every key of a run config (the ``[hedge]`` table included), in model order.

    ``extends`` (file only) is listed first: it is read by the loader, not the models.
    """
    out = [
        KeyDoc(
            "extends",
            "str",
            "(not set)",
            "a preset name (alvh presets)",
            "File only: start from this preset and override only the keys the file sets",
        )
    ]
    _walk(RunConfig, "", out)
    return out


def keys_markdown() -> str:
    """Return the keys as a markdown table (the generated part of docs/book-and-config.md)."""

    def cell(s: str) -> str:
        return s.replace("|", "\\|")

    lines = ["| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
    for k in config_keys():
        lines.append(
            f"| `{cell(k.path)}` | {cell(k.type)} | {cell(k.default)} | {cell(k.allowed)} | "
            f"{cell(k.meaning)} |"
        )
    return "\n".join(lines) + "\n"
