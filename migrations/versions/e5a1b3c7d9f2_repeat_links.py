"""repeat failures stored: service_requests.repeat_of_id, the request each one repeats, with
the indexes that find it and the report's covering index carrying it

Revision ID: e5a1b3c7d9f2
Revises: d4e7a9c2b6f1
Create Date: 2026-11-25 10:00:00

A request repeats the latest earlier one at the same place (asset, else location) and of the
same category, created at most 30 days before it (wave/requests/repeats.py keeps the links
from now on). Existing rows get theirs from one UPDATE over a window (lag by place and
category): a copy of repeats.backfill_sql(), here so that this migration does not change
when the app does. The column is filled before its foreign key and indexes exist: the
UPDATE then writes no entries into them, and the key is validated in one pass.

SQLite cannot add a foreign key to a table: the table is rebuilt (batch), which drops the
search's triggers on it, so they are made again (copied from 5a1f0c3e9b7d), also after the
downgrade's rebuild. SQLite has no INCLUDE: its covering index stays as it is.
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = 'e5a1b3c7d9f2'
down_revision = 'd4e7a9c2b6f1'
branch_labels = None
depends_on = None

FOREIGN_KEY = 'fk_service_requests_repeat_of_id_service_requests'
REPORT_COLUMNS = [
    'id', 'status', 'source', 'site_id', 'category_id', 'location_id', 'asset_id', 'team_id',
    'assignee_id', 'created_by_id', 'first_response_at', 'resolved_at', 'closed_at',
    'response_due_at', 'resolution_due_at', 'rating',
]
REPEAT_INDEXES = {
    # name: (place column, condition)
    'ix_service_requests_repeat_asset': ('asset_id', 'asset_id IS NOT NULL'),
    'ix_service_requests_repeat_location': ('location_id', 'asset_id IS NULL'),
}
BACKFILL = """UPDATE service_requests SET repeat_of_id = s.previous_id
FROM (
    SELECT id, created_at, lag(id) OVER w AS previous_id, lag(created_at) OVER w AS previous_at
    FROM service_requests
    WHERE asset_id IS NOT NULL OR location_id IS NOT NULL
    WINDOW w AS (PARTITION BY coalesce(-asset_id, location_id), category_id
                 ORDER BY created_at, id)
) s
WHERE service_requests.id = s.id AND {near}"""
NEAR = {
    'postgresql': "s.previous_at >= s.created_at - interval '2592000 seconds'",
    'sqlite': (
        "round((julianday(s.created_at) - julianday(s.previous_at)) * 86400.0, 3) <= 2592000"
    ),
}

# What 5a1f0c3e9b7d made on SQLite for service_requests, made again after each rebuild of it.
THREAD_TEXT = (
    "(SELECT group_concat(body, ' ') FROM messages WHERE thread_id = {thread} AND kind = 'text')"
)
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER search_requests_fts_insert AFTER INSERT ON service_requests BEGIN
        INSERT INTO search_requests_fts (rowid, description, requester_name, requester_email,
                                         messages)
        VALUES (new.id, new.description, new.requester_name, new.requester_email,
                {THREAD_TEXT.format(thread="new.thread_id")});
    END""",
    f"""CREATE TRIGGER search_requests_fts_update
        AFTER UPDATE OF description, requester_name, requester_email, thread_id
        ON service_requests BEGIN
        UPDATE search_requests_fts SET description = new.description,
            requester_name = new.requester_name, requester_email = new.requester_email,
            messages = {THREAD_TEXT.format(thread="new.thread_id")}
        WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER search_requests_fts_delete AFTER DELETE ON service_requests BEGIN
        DELETE FROM search_requests_fts WHERE rowid = old.id;
    END""",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        with _rebuilt_on_sqlite() as batch_op:
            batch_op.add_column(sa.Column('repeat_of_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                FOREIGN_KEY, 'service_requests', ['repeat_of_id'], ['id'], ondelete='SET NULL'
            )
        op.execute(BACKFILL.format(near=NEAR[dialect]))
    else:
        op.add_column('service_requests', sa.Column('repeat_of_id', sa.Integer(), nullable=True))
        op.execute(BACKFILL.format(near=NEAR[dialect]))
        op.create_foreign_key(
            FOREIGN_KEY, 'service_requests', 'service_requests', ['repeat_of_id'], ['id'],
            ondelete='SET NULL',
        )
    for name, (place, condition) in REPEAT_INDEXES.items():
        op.create_index(
            name, 'service_requests', [place, 'category_id', 'created_at', 'id'], unique=False,
            postgresql_where=sa.text(condition), sqlite_where=sa.text(condition),
        )
    if dialect == 'postgresql':
        _report_index(REPORT_COLUMNS + ['repeat_of_id'])


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        _report_index(REPORT_COLUMNS)
    for name in REPEAT_INDEXES:
        op.drop_index(name, table_name='service_requests')
    if dialect == 'sqlite':
        with _rebuilt_on_sqlite() as batch_op:
            batch_op.drop_column('repeat_of_id')
    else:
        op.drop_constraint(FOREIGN_KEY, 'service_requests', type_='foreignkey')
        op.drop_column('service_requests', 'repeat_of_id')


@contextmanager
def _rebuilt_on_sqlite():
    """A batch that rebuilds service_requests on SQLite. The new copy is renamed into place
    as older SQLite did (legacy_alter_table): today's checks every trigger that names the
    table, and the messages' search triggers do while it is gone. Its own triggers go with
    the old copy and are made again."""
    op.execute('PRAGMA legacy_alter_table = ON')
    with op.batch_alter_table('service_requests', schema=None, recreate='always') as batch_op:
        yield batch_op
    op.execute('PRAGMA legacy_alter_table = OFF')
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def _report_index(include):
    op.drop_index('ix_service_requests_reports', table_name='service_requests')
    op.create_index(
        'ix_service_requests_reports', 'service_requests', ['created_at'], unique=False,
        postgresql_include=include,
    )
