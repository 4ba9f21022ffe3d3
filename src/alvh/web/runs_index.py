"""Find run directories under the folders the server was given, and resolve names safely.

The browser only ever names a run by its key in this index (its path relative to a root,
``/``-separated). A key is looked up, never joined onto a path, so ``../``, absolute paths and
symlinks pointing out of a root cannot reach a file: discovery skips a directory whose real
path leaves its root, and every file read goes through :func:`run_file`, which re-checks it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alvh.errors import AlvhError

# Folders are searched this many levels below a root (a sweep keeps its runs two deeper).
MAX_DEPTH = 6
# The only files the dashboard reads from a run directory.
RUN_FILES = frozenset(
    {
        "summary.json",
        "equity.csv",
        "trades.csv",
        "orders.csv",
        "condors.csv",
        "hedge_layers.csv",
        "journal.sqlite",
        "config.toml",
    }
)
_KEY_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+=-]{0,127}$")


class RunNotFoundError(AlvhError):
    """A run key that is malformed or not among the run directories being served."""


@dataclass(frozen=True)
class RunRef:
    """One run directory being served.

    Attributes
    ----------
    key
        Its name in URLs: the path relative to its root (``/``-separated), prefixed by the
        root's folder name when several roots are served.
    path
        The real (resolved) path of the directory.
    root
        The real path of the root it was found under.
    """

    key: str
    path: Path
    root: Path


def valid_key(key: str) -> bool:
    """Return whether ``key`` has the shape of a run key (no ``..``, not absolute, no ``\\``)."""
    if not key or len(key) > 1024 or key.startswith("/") or "\\" in key:
        return False
    return all(_KEY_PART.match(p) for p in key.split("/"))


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _is_run_dir(path: Path, root: Path) -> bool:
    s = path / "summary.json"
    return s.is_file() and _inside(s.resolve(), root)


def _is_sweep_dir(path: Path, root: Path) -> bool:
    m = path / "sweep.json"
    has_table = any((path / n).is_file() for n in ("results.parquet", "results.csv"))
    return m.is_file() and has_table and _inside(m.resolve(), root)


def _is_fidelity_dir(path: Path, root: Path) -> bool:
    f = path / "fidelity.json"
    return f.is_file() and _inside(f.resolve(), root)


def _walk(roots: list[Path], is_target: Callable[[Path, Path], bool]) -> dict[str, RunRef]:
    """Return every folder under ``roots`` for which ``is_target`` holds, by key.

    Hidden folders, ``*.partial`` folders (being written) and anything whose real path leaves
    its root are skipped; a target's subfolders are not searched. Roots that resolve to the
    same folder are walked once.
    """
    found: dict[str, RunRef] = {}
    real_roots = list(dict.fromkeys(Path(r).resolve() for r in roots))
    names = [r.name or "root" for r in real_roots]
    prefix = len(real_roots) > 1
    for root, name in zip(real_roots, names, strict=True):
        if not root.is_dir():
            continue
        for dirpath, dirnames, _files in os.walk(root, followlinks=True):
            here = Path(dirpath)
            rel = here.relative_to(root)
            depth = len(rel.parts)
            # Prune in place: hidden, partial, escaping or too deep folders are not walked.
            keep = []
            for d in sorted(dirnames):
                sub = here / d
                if d.startswith(".") or d.endswith(".partial") or depth + 1 > MAX_DEPTH:
                    continue
                if not _inside(sub.resolve(), root):
                    continue
                keep.append(d)
            dirnames[:] = keep
            if not is_target(here, root):
                continue
            parts = ([name] if prefix else []) + list(rel.parts)
            key = "/".join(parts) if parts else name
            if not valid_key(key):
                continue
            base, n = key, 2
            while key in found:
                key, n = f"{base}~{n}", n + 1
            found[key] = RunRef(key=key, path=here.resolve(), root=root)
            dirnames[:] = []  # a target's subfolders are not searched for more of its kind
    return dict(sorted(found.items()))


def discover(roots: list[Path]) -> dict[str, RunRef]:
    """Return every run directory under ``roots`` by key, sorted by key.

    A run directory is a folder holding a summary.json. Hidden folders, ``*.partial``
    folders (a run being written) and anything whose real path leaves its root are skipped.
    """
    return _walk(roots, _is_run_dir)


def discover_sweeps(roots: list[Path]) -> dict[str, RunRef]:
    """Return every sweep folder under ``roots`` by key (``sweep.json`` and a results table)."""
    return _walk(roots, _is_sweep_dir)


def discover_fidelity(roots: list[Path]) -> dict[str, RunRef]:
    """Return every fidelity report folder under ``roots`` by key (holding ``fidelity.json``)."""
    return _walk(roots, _is_fidelity_dir)


# The only files read from a sweep folder (besides ``equity/<hash>.parquet``) and a fidelity
# report folder.
SWEEP_FILES = frozenset(
    {
        "sweep.json",
        "results.parquet",
        "results.csv",
        "luck.json",
        "walk_forward.json",
        "walk_forward.csv",
    }
)
FIDELITY_FILES = frozenset({"fidelity.json", "fidelity.html"})
_CONFIG_HASH = re.compile(r"^[0-9a-f]{16}$")


def _checked(ref: RunRef, rel: str) -> Path | None:
    p = ref.path / rel
    if not p.exists():
        return None
    real = p.resolve()
    if not _inside(real, ref.root) or not real.is_file():
        raise RunNotFoundError(f"{ref.key}/{rel}: points outside the served folder; not read")
    return real


def run_file(ref: RunRef, name: str) -> Path | None:
    """Return the path of one of the run's known files, or None if absent.

    Raises
    ------
    RunNotFoundError
        If ``name`` is not a run file, or the file is a symlink whose target leaves the root.
    """
    if name not in RUN_FILES:
        raise RunNotFoundError(
            f"{name!r}: not a run directory file (expected one of {sorted(RUN_FILES)})"
        )
    return _checked(ref, name)


def sweep_file(ref: RunRef, name: str) -> Path | None:
    """Return the path of one of a sweep folder's known files, or None if absent.

    ``name`` is one of :data:`SWEEP_FILES` or ``equity/<config hash>.parquet`` (16 hex digits).

    Raises
    ------
    RunNotFoundError
        If ``name`` is not a sweep file, or the file's real path leaves the root.
    """
    ok = name in SWEEP_FILES
    if name.startswith("equity/") and name.endswith(".parquet"):
        ok = bool(_CONFIG_HASH.match(name[len("equity/") : -len(".parquet")]))
    if not ok:
        raise RunNotFoundError(f"{name!r}: not a sweep folder file")
    return _checked(ref, name)


def fidelity_file(ref: RunRef, name: str) -> Path | None:
    """Return the path of ``fidelity.json`` or ``fidelity.html`` in a report folder, or None.

    Raises
    ------
    RunNotFoundError
        If ``name`` is not a report file, or the file's real path leaves the root.
    """
    if name not in FIDELITY_FILES:
        raise RunNotFoundError(f"{name!r}: not a fidelity report file")
    return _checked(ref, name)
