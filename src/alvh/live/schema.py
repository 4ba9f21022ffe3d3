"""The book database's tables (``SCHEMA_VERSION`` 1) and the statements an advance reuses.

What each table holds is in ``alvh.live.store``'s docstring; ``BookStore`` is the only writer.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

SCHEMA_VERSION: Final = 1
EVENT_KINDS: Final = ("order", "fill", "journal", "import", "config_change", "note")

metadata = sa.MetaData()

book_table = sa.Table(
    "book",
    metadata,
    sa.Column("name", sa.String(80), primary_key=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("config_path", sa.Text, nullable=False),
    sa.Column("config_toml", sa.Text, nullable=False),
    sa.Column("config_hash", sa.String(64), nullable=False),
    sa.Column("capital_usd", sa.Float, nullable=False),
    sa.Column("data_id", sa.String(80), nullable=True),
    sa.Column("schema_version", sa.Integer, nullable=False),
)

events_table = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "book", sa.String(80), sa.ForeignKey("book.name", ondelete="RESTRICT"), nullable=False
    ),
    sa.Column("session_date", sa.Date, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("input_hash", sa.String(64), nullable=True),
    sa.CheckConstraint(
        "kind IN (" + ", ".join(f"'{k}'" for k in EVENT_KINDS) + ")", name="events_kind"
    ),
    sa.Index("events_book_seq", "book", "seq"),
)

sessions_table = sa.Table(
    "sessions",
    metadata,
    sa.Column("book", sa.String(80), sa.ForeignKey("book.name"), primary_key=True),
    sa.Column("session_date", sa.Date, primary_key=True),
    sa.Column("data_id", sa.String(80), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
)

inputs_table = sa.Table(
    "inputs",
    metadata,
    sa.Column("book", sa.String(80), sa.ForeignKey("book.name"), nullable=False),
    sa.Column("input_hash", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("applied_at", sa.String(32), nullable=False),
    sa.Column("first_seq", sa.Integer, nullable=True),
    sa.Column("last_seq", sa.Integer, nullable=True),
    sa.UniqueConstraint("book", "input_hash", name="inputs_once"),
)


# The statements an advance runs every session, built once: building a statement costs ~4x
# executing it on SQLite (SQLAlchemy derives its cache key anew for each new object).
BOOK_BY_NAME = sa.select(book_table).where(book_table.c.name == sa.bindparam("name"))
BOOK_FOR_UPDATE = BOOK_BY_NAME.with_for_update()
LAST_PAPER = sa.select(sa.func.max(sessions_table.c.session_date)).where(
    sessions_table.c.book == sa.bindparam("name"), sessions_table.c.status == "paper"
)
LAST_PAPER_BEFORE = LAST_PAPER.where(sessions_table.c.session_date < sa.bindparam("before"))
MARK_STEPPED = (
    sa.update(sessions_table)
    .where(
        sessions_table.c.book == sa.bindparam("name"),
        sessions_table.c.session_date == sa.bindparam("day"),
    )
    .values(status="paper", data_id=sa.bindparam("data_id"))
)
INSERT_STEPPED = sa.insert(sessions_table).values(
    book=sa.bindparam("name"),
    session_date=sa.bindparam("day"),
    data_id=sa.bindparam("data_id"),
    status="paper",
)
INSERT_EVENTS = sa.insert(events_table).returning(events_table.c.seq)
