"""What a book command checks against: the market data's facts and the book's accepted config.

``market_facts`` reads the store's manifest only (no table is loaded): its last SPX session (no
date after it is accepted) and its data id. ``current_config`` is the first read of every
command's transaction: it locks the book row and compares the config file with the config the
book last accepted (by the hash of the validated config, so formatting does not count).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alvh.live.errors import ConfigChangedError
from alvh.live.store import BookStore

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from alvh.config.run import RunConfig


# -- market facts the book checks against ----------------------------------------------------
@dataclass(frozen=True, slots=True)
class MarketFacts:
    """What the book needs to know of the market data: its last sessions and its id.

    Parameters
    ----------
    last_session
        The store's last SPX session; no date after it is accepted ("in the future").
    data_id
        The store's content id (None: no store, the synthetic market).
    last_priced_session
        The last session with both an SPX and a VIX close (the surface needs both): the default
        day of ``alvh book status``. None means ``last_session``.
    """

    last_session: date
    data_id: str | None
    last_priced_session: date | None = None


def market_facts(store_path: Path | None = None) -> MarketFacts:
    """Return the local store's last SPX session and data id, read from its manifest only.

    With an empty store the commands run on the synthetic market: its last day (or today's
    UTC date, if earlier) is the last session.
    """
    from alvh.market.load import DEFAULT_SYNTHETIC_END
    from alvh.market.store import Store, default_store_path

    st = Store(store_path or default_store_path())
    m = st.manifest()
    last: dict[str, date] = {}
    for s in m.get("summary", []):
        if s.get("series") in ("SPX", "VIX") and s.get("last"):
            day = date.fromisoformat(str(s["last"])[:10])
            last[s["series"]] = max(day, last.get(s["series"], day))
    if "SPX" not in last:
        end = date.fromisoformat(DEFAULT_SYNTHETIC_END)
        return MarketFacts(min(end, datetime.now(UTC).date()), None)
    return MarketFacts(last["SPX"], m.get("data_id"), min(last.values()))


# -- config ------------------------------------------------------------------------------------
def config_hash(cfg: RunConfig) -> str:
    """Return the sha256 of a config's canonical JSON (formatting and key order do not count)."""
    from alvh.config.load import canonical_json

    return hashlib.sha256(canonical_json(cfg).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class BookConfig:
    """The config a book runs on now: the latest accepted text, its hash and the parsed value."""

    path: str
    toml: str
    hash: str
    config: RunConfig


def _parse_config_text(text: str, source: str) -> RunConfig:
    import tomllib

    from alvh.config.load import config_from_dict
    from alvh.errors import ConfigError

    try:
        return config_from_dict(tomllib.loads(text), source)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("<file>", None, f"valid TOML ({exc})", source) from None


def _flat(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, Mapping):
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: d}


def _changed_keys(old: RunConfig, new: RunConfig) -> list[str]:
    a, b = _flat(old.model_dump(mode="json")), _flat(new.model_dump(mode="json"))
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def current_config(
    store: BookStore, conn: Connection, name: str, *, accept_change: bool = False
) -> BookConfig:
    """Return the book's config, checking its file against the text the book last accepted.

    Called first in every command's transaction: it locks the book row, so commands on one
    book run one after the other. The file at the book's config path is read again: if its config differs (by canonical
    hash) from the one accepted, the command is refused unless ``accept_change``, which appends
    a ``config_change`` event (old and new hash, the changed keys, the new text). A config file
    that no longer exists leaves the stored text in force.

    Raises
    ------
    ConfigChangedError
        If the file changed and ``accept_change`` is False.
    """
    book = store.lock_book(conn, name)
    text, digest = book.config_toml, book.config_hash
    for e in store.events(conn, name, kinds=("config_change",)):
        text, digest = e.payload["toml"], e.payload["new_hash"]
    accepted = _parse_config_text(text, f"book {name} (stored config)")
    path = Path(book.config_path)
    if not path.exists():
        return BookConfig(book.config_path, text, digest, accepted)
    new_text = path.read_text(encoding="utf-8")
    new_cfg = _parse_config_text(new_text, str(path))
    new_hash = config_hash(new_cfg)
    if new_hash == digest:
        return BookConfig(book.config_path, text, digest, accepted)
    keys = _changed_keys(accepted, new_cfg)
    if not accept_change:
        shown = ", ".join(keys[:8]) + (" ..." if len(keys) > 8 else "")
        raise ConfigChangedError(
            f"the config of book {name!r} ({path}) changed since it was accepted "
            f"(hash {digest[:12]} -> {new_hash[:12]}; keys: {shown}); rerun with "
            "--accept-config-change to accept it (journaled), or restore the file"
        )
    payload = {
        "path": str(path),
        "old_hash": digest,
        "new_hash": new_hash,
        "changed_keys": keys,
        "toml": new_text,
    }
    day = store.last_session(conn, name) or datetime.now(UTC).date()
    # Not an "input": a config may change back and forth, each change is its own event.
    store.append(conn, name, [(day, "config_change", payload)], input_hash=None)
    return BookConfig(str(path), new_text, new_hash, new_cfg)
