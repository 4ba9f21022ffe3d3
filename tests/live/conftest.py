"""Book tests run on SQLite always and on PostgreSQL when ``ALVH_TEST_POSTGRES_URL`` is set.

``bash .ci/postgres.sh`` starts a local server and prints a URL. Without it the PostgreSQL cases
skip, saying so, unless ``ALVH_REQUIRE_POSTGRES=1`` (CI), where they fail. Each test session
works in a schema of its own (``search_path`` set through the URL), dropped at the end, so no
table is left behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

PG_ENV = "ALVH_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema (dropped after the session)."""
    url = os.environ.get(PG_ENV)
    if not url:
        msg = f"PostgreSQL book tests need {PG_ENV} (run: export {PG_ENV}=$(bash .ci/postgres.sh))"
        if os.environ.get("ALVH_REQUIRE_POSTGRES") == "1":
            pytest.fail(msg + "; ALVH_REQUIRE_POSTGRES=1 requires them")
        pytest.skip(msg)
    import sqlalchemy as sa

    schema = f"alvh_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for one book test: a fresh SQLite file, or a clean PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'book.sqlite'}"
        return
    url = request.getfixturevalue("pg_schema_url")
    yield url
    import sqlalchemy as sa

    from alvh.live.schema import metadata

    eng = sa.create_engine(url)
    metadata.drop_all(eng)  # the next test starts from an empty schema
    eng.dispose()
