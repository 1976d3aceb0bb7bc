"""archive search: full-text indexes (GIN on PostgreSQL, FTS5 on SQLite), phone and e-mail

Revision ID: 5a1f0c3e9b7d
Revises: 4384368329ee
Create Date: 2026-11-24 10:00:00.000000

What each database gets is described in wave/search/schema.py; the expressions below must
stay word for word what the search queries use, or PostgreSQL will not use the indexes.
Nothing here is in the models: autogenerate skips these names (migrations/env.py).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5a1f0c3e9b7d"
down_revision = "4384368329ee"
branch_labels = None
depends_on = None

# 'simple': no stemming and no stop words. Requests and messages are written in Russian and
# English, mixed, so no one language's dictionary fits every row; the search matches word
# prefixes (and the query's stems as prefixes) against these plain lower-case words instead.
POSTGRESQL = [
    """CREATE INDEX ix_search_requests_text ON service_requests USING gin (
        to_tsvector('simple', coalesce(description, '') || ' ' || coalesce(requester_name, '')
                    || ' ' || coalesce(requester_email, '')))""",
    """CREATE INDEX ix_search_requests_phone ON service_requests
        (regexp_replace(requester_phone, '[^0-9]', '', 'g')) WHERE requester_phone IS NOT NULL""",
    """CREATE INDEX ix_search_requests_email ON service_requests
        (lower(requester_email) text_pattern_ops) WHERE requester_email IS NOT NULL""",
    # Only what people wrote: status lines ('event') and request cards are not searched.
    """CREATE INDEX ix_search_messages_text ON messages USING gin (to_tsvector('simple', body))
        WHERE kind = 'text'""",
]

FTS_OPTIONS = "tokenize = 'unicode61 remove_diacritics 2'"
REQUEST_COLUMNS = "description, requester_name, requester_email"
SQLITE = [
    f"""CREATE VIRTUAL TABLE search_requests_fts USING fts5({REQUEST_COLUMNS},
        content = 'service_requests', content_rowid = 'id', {FTS_OPTIONS})""",
    f"""CREATE TRIGGER search_requests_fts_insert AFTER INSERT ON service_requests BEGIN
        INSERT INTO search_requests_fts (rowid, {REQUEST_COLUMNS})
        VALUES (new.id, new.description, new.requester_name, new.requester_email);
    END""",
    f"""CREATE TRIGGER search_requests_fts_delete AFTER DELETE ON service_requests BEGIN
        INSERT INTO search_requests_fts (search_requests_fts, rowid, {REQUEST_COLUMNS})
        VALUES ('delete', old.id, old.description, old.requester_name, old.requester_email);
    END""",
    # Only when the words change: status updates do not touch the index.
    f"""CREATE TRIGGER search_requests_fts_update
        AFTER UPDATE OF {REQUEST_COLUMNS} ON service_requests BEGIN
        INSERT INTO search_requests_fts (search_requests_fts, rowid, {REQUEST_COLUMNS})
        VALUES ('delete', old.id, old.description, old.requester_name, old.requester_email);
        INSERT INTO search_requests_fts (rowid, {REQUEST_COLUMNS})
        VALUES (new.id, new.description, new.requester_name, new.requester_email);
    END""",
    "INSERT INTO search_requests_fts (search_requests_fts) VALUES ('rebuild')",
    f"""CREATE VIRTUAL TABLE search_messages_fts USING fts5(body,
        content = 'messages', content_rowid = 'id', {FTS_OPTIONS})""",
    # An external-content index must be told exactly what it holds: text messages only, on
    # the way in and on the way out.
    """CREATE TRIGGER search_messages_fts_insert AFTER INSERT ON messages
        WHEN new.kind = 'text' BEGIN
        INSERT INTO search_messages_fts (rowid, body) VALUES (new.id, new.body);
    END""",
    """CREATE TRIGGER search_messages_fts_delete AFTER DELETE ON messages
        WHEN old.kind = 'text' BEGIN
        INSERT INTO search_messages_fts (search_messages_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
    END""",
    """CREATE TRIGGER search_messages_fts_update AFTER UPDATE OF body, kind ON messages BEGIN
        INSERT INTO search_messages_fts (search_messages_fts, rowid, body)
        SELECT 'delete', old.id, old.body WHERE old.kind = 'text';
        INSERT INTO search_messages_fts (rowid, body)
        SELECT new.id, new.body WHERE new.kind = 'text';
    END""",
    """INSERT INTO search_messages_fts (rowid, body)
        SELECT id, body FROM messages WHERE kind = 'text'""",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name in (
            "ix_search_messages_text",
            "ix_search_requests_email",
            "ix_search_requests_phone",
            "ix_search_requests_text",
        ):
            op.execute(f"DROP INDEX {name}")
    elif dialect == "sqlite":
        for table in ("search_messages_fts", "search_requests_fts"):
            for event in ("update", "delete", "insert"):
                op.execute(f"DROP TRIGGER {table}_{event}")
            op.execute(f"DROP TABLE {table}")
