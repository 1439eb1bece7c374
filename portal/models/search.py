"""The text the `q=` search of a list looks in, and its trigram index on PostgreSQL.

One expression per searched table: its text columns joined into one string (NULL read as empty),
so that one GIN trigram index (pg_trgm) answers `search_text ILIKE '%term%'` at a million rows,
where an OR of ILIKEs over each column reads the whole table. The statement and the index must
build the expression the same way, or PostgreSQL's planner does not see that the index fits: both
come from search_text() below. SQLite has no trigram index and reads the rows (the expression is
the same, so the answers are).

The separator is a newline, which a search box cannot send: a term never matches across the end
of one column and the start of the next.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, Index, String, Table, event, func, literal
from sqlalchemy.sql.elements import ColumnElement

from portal.platform.extensions import db

# Rendered as literals in the SQL sent (literal_execute): a parameter in the statement's expression
# would make it differ from the index's, and PostgreSQL would not use the index. (A literal_column
# would do too, but an Index on an expression with one is not attached to its table.)
_EMPTY = literal("", String, literal_execute=True)
_SEPARATOR = literal("\n", String, literal_execute=True)


def search_text(*columns: Any) -> ColumnElement[str]:
    """The columns' text joined by newlines, NULL as empty: what `q=` matches against."""
    text: ColumnElement[str] | None = None
    for column in columns:
        part = func.coalesce(column, _EMPTY, type_=String)
        text = part if text is None else text + _SEPARATOR + part
    assert text is not None, "search_text() needs a column"
    return text


def trigram_index(table: Table, *names: str) -> Index:
    """The GIN trigram index ix_<table>_search_trgm on search_text() of the named columns, created on
    PostgreSQL only (SQLite has no GIN: create_all and migration 0026 skip it there)."""
    return Index(f"ix_{table.name}_search_trgm", search_text(*(table.c[name] for name in names)).label("search_text"),
                 postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql")


# pg_trgm before the tables when create_all builds the schema (tests; migration 0026 does the same).
event.listen(db.metadata, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
