"""reports at a year: on PostgreSQL the index on service_requests.created_at carries
first_response_at, so the reaction times read it instead of the wide covering index

Revision ID: b8d0f2a4c6e1
Revises: a7c9e1f3b5d2
Create Date: 2026-11-24 00:30:00

"""
from alembic import op


revision = 'b8d0f2a4c6e1'
down_revision = 'a7c9e1f3b5d2'
branch_labels = None
depends_on = None


def _created_at_index(include):
    op.drop_index('ix_service_requests_created_at', table_name='service_requests')
    op.create_index(
        'ix_service_requests_created_at',
        'service_requests',
        ['created_at'],
        unique=False,
        postgresql_include=include,
    )


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _created_at_index(['first_response_at'])


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _created_at_index([])
