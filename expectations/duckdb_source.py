"""A Great Expectations SQL datasource for one schema of a DuckDB file, so
the expectations run as aggregate queries inside DuckDB, on whole tables.

GX 1.x's generic SQL datasource fails every metric on duckdb-engine with
`list index out of range` (GX issues #10738, #11579): GX opens a connection
per query and closes it before fetching, and closing a SQLAlchemy connection
rolls back the transaction duckdb-engine began, which on DuckDB discards the
pending result. GX keeps one connection open only for the dialects it lists
(sqlite, mssql, bigquery, databricks); this engine does the same for DuckDB.
"""

import builtins
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import sqlalchemy as sa
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine


class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """GX's SQLAlchemy engine with one persisted connection."""

    def __init__(self, *args: Any, default_schema: str = "main", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # duckdb-engine's dialect is PostgreSQL's; GX then writes regular
        # expressions as `column ~ 'regex'`. On DuckDB `~` is a full match
        # (on PostgreSQL a search), so the suites' regexes are anchored ^…$.
        self.dialect_module = sa.dialects.postgresql
        # GX reads a table's column names with an unqualified `select * from
        # name limit 1` when SQLAlchemy's reflection fails, as it does for
        # duckdb-engine 0.17 on SQLAlchemy 2.1 (it asks for pg_collation);
        # the search path makes that name resolve in the right schema.
        sa.event.listen(
            self.engine,
            "connect",
            lambda dbapi_connection, _: dbapi_connection.execute(f"set search_path = '{default_schema}'"),
        )

    @contextmanager
    def get_connection(self) -> Iterator[sa.Connection]:
        if self._connection is None:
            self._connection = self.engine.connect()
        yield self._connection

    def close(self) -> None:
        """Close the connection and the engine's pool, so the file is free
        for a writer (dbt) in this same process."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.engine.dispose()


class DuckDBDatasource(SQLDatasource):
    """`context.data_sources.add_duckdb(name, connection_string=...,
    default_schema=..., kwargs={"connect_args": {"read_only": True}})`;
    its table assets are tables of `default_schema`."""

    # GX finds a datasource class by this literal, so each subclass narrows its
    # base's Literal["sql"]: a change of type mypy must be told is intended
    type: Literal["duckdb"] = "duckdb"  # type: ignore[assignment]
    default_schema: str = "main"

    @property
    def schema_(self) -> str | None:
        return self.default_schema

    @property
    def execution_engine_type(self) -> builtins.type[SqlAlchemyExecutionEngine]:  # `type` is a field here
        return DuckDBExecutionEngine

    def close(self) -> None:
        self.get_execution_engine().close()
        self.get_engine().dispose()
