"""reports at a million requests: the period's requests from one index, late completions
by (resolved_at, created_at), labor and reopenings from a small index of their own

Revision ID: d4e7a9c2b6f1
Revises: c3d8e5f1a2b4
Create Date: 2026-11-23 17:00:00

On PostgreSQL the index on created_at for reports carries every column the figures and
their filters read, so a year's half million requests are read from it alone (the table
holds descriptions and search documents: nine times the bytes); labor entries and
reopenings likewise. SQLite reads its rows by rowid cheaply and gets neither.
"""
from alembic import op

revision = 'd4e7a9c2b6f1'
down_revision = 'c3d8e5f1a2b4'
branch_labels = None
depends_on = None

REPORT_COLUMNS = [
    'id', 'status', 'source', 'site_id', 'category_id', 'location_id', 'asset_id', 'team_id',
    'assignee_id', 'created_by_id', 'first_response_at', 'resolved_at', 'closed_at',
    'response_due_at', 'resolution_due_at', 'rating',
]


def upgrade():
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_service_requests_resolved_at')
        batch_op.create_index(
            'ix_service_requests_resolved_at_created_at',
            ['resolved_at', 'created_at'],
            unique=False,
            postgresql_include=['id'],
        )
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.create_index(
        'ix_service_requests_reports',
        'service_requests',
        ['created_at'],
        unique=False,
        postgresql_include=REPORT_COLUMNS,
    )
    op.execute(
        "CREATE INDEX ix_request_events_reports ON request_events (kind, created_at)"
        " INCLUDE (request_id, data) WHERE kind IN ('labor', 'reopened')"
    )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_request_events_reports', table_name='request_events')
        op.drop_index('ix_service_requests_reports', table_name='service_requests')
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_service_requests_resolved_at_created_at')
        batch_op.create_index('ix_service_requests_resolved_at', ['resolved_at'], unique=False)
