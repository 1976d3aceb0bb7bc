"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from wave.extensions import db
from wave.search.schema import include_name


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        # The search's own indexes and FTS tables are not in the models (see wave/search/schema.py).
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], diff
