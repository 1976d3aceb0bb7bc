"""reference data cached per process: a one-row table whose version every write to the
codes, places, categories, leases, SLA policies, calendars or notification choices bumps
(wave/reference.py)

Revision ID: d0f2b4c6e8a1
Revises: c9e1a3b5d7f0
Create Date: 2026-11-24 13:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd0f2b4c6e8a1'
down_revision = 'c9e1a3b5d7f0'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'reference_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_version')),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 1}])


def downgrade():
    op.drop_table('reference_version')
