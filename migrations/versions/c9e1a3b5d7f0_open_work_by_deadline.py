"""the inbox's "all open" at a million requests: open work by its next deadline in a
partial index, which PostgreSQL walks in order (the full index on next_due_at led it to
gather every open request and sort it)

Revision ID: c9e1a3b5d7f0
Revises: b8d0f2a4c6e1
Create Date: 2026-11-24 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c9e1a3b5d7f0'
down_revision = 'b8d0f2a4c6e1'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('new', 'assigned', 'in_progress', 'on_hold', 'reopened')")


def upgrade():
    op.drop_index('ix_service_requests_next_due_at_id', table_name='service_requests')
    op.create_index(
        'ix_service_requests_open_due',
        'service_requests',
        ['next_due_at', 'id'],
        unique=False,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )


def downgrade():
    op.drop_index('ix_service_requests_open_due', table_name='service_requests')
    op.create_index(
        'ix_service_requests_next_due_at_id',
        'service_requests',
        ['next_due_at', 'id'],
        unique=False,
    )
