"""indexes the reports read through: completed work by resolved_at, timeline by kind and time

Revision ID: b7c41e2d9a10
Revises: 5a1f0c3e9b7d
Create Date: 2026-11-23 14:12:00

"""
from alembic import op


revision = 'b7c41e2d9a10'
down_revision = '5a1f0c3e9b7d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.create_index('ix_service_requests_resolved_at', ['resolved_at'], unique=False)
    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.create_index('ix_request_events_kind_created_at', ['kind', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.drop_index('ix_request_events_kind_created_at')
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_service_requests_resolved_at')
