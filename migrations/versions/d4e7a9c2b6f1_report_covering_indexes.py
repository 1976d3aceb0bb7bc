"""reports at a million requests: the period's requests from one index, late completions
by (resolved_at, created_at), labor and reopenings from a small index of their own

Revision ID: d4e7a9c2b6f1
Revises: c3d8e5f1a2b4
Create Date: 2026-11-23 17:00:00

On PostgreSQL the index on created_at for reports carries every column the figures and
their filters read, so a year's half million requests are read from it alone (the table
holds descriptions and search documents: nine times the bytes); labor entries and
reopenings likewise. SQLite has no INCLUDE: there the first is a twin of
ix_service_requests_created_at and the second a small partial index, made all the same so
that the models describe one schema.
"""
import sqlalchemy as sa
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
KINDS = "kind IN ('labor', 'reopened')"


def upgrade():
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_service_requests_resolved_at')
        batch_op.create_index(
            'ix_service_requests_resolved_at_created_at',
            ['resolved_at', 'created_at'],
            unique=False,
            postgresql_include=['id'],
        )
        batch_op.create_index(
            'ix_service_requests_reports',
            ['created_at'],
            unique=False,
            postgresql_include=REPORT_COLUMNS,
        )
    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.create_index(
            'ix_request_events_reports',
            ['kind', 'created_at'],
            unique=False,
            postgresql_include=['request_id', 'data'],
            postgresql_where=sa.text(KINDS),
            sqlite_where=sa.text(KINDS),
        )


def downgrade():
    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.drop_index('ix_request_events_reports')
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_service_requests_reports')
        batch_op.drop_index('ix_service_requests_resolved_at_created_at')
        batch_op.create_index('ix_service_requests_resolved_at', ['resolved_at'], unique=False)
