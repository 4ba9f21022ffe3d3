"""Typed errors of the live book (each one message a user can act on)."""

from __future__ import annotations

from alvh.errors import AlvhError


class BookError(AlvhError):
    """A book command that cannot be carried out as asked (no such book, config changed...)."""


class BookNotFoundError(BookError):
    """The named book does not exist in the database."""


class ConfigChangedError(BookError):
    """The book's config file changed since the book was created or last accepted."""
