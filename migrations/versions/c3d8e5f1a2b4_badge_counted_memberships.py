"""the badge's rows: thread_members.counted, false for finished requests' discussions, indexed

Revision ID: c3d8e5f1a2b4
Revises: b7c41e2d9a10
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d8e5f1a2b4'
down_revision = 'b7c41e2d9a10'
branch_labels = None
depends_on = None


def upgrade():
    # False first, then true for the few rows that count: a large table is not rewritten
    # (PostgreSQL adds a column with a constant default without touching the rows).
    with op.batch_alter_table('thread_members', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('counted', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        "UPDATE thread_members SET counted = true WHERE thread_id IN ("
        " SELECT threads.id FROM threads"
        " LEFT JOIN service_requests ON service_requests.thread_id = threads.id"
        " WHERE threads.kind <> 'request'"
        " OR service_requests.status NOT IN ('closed', 'cancelled'))"
    )
    with op.batch_alter_table('thread_members', schema=None) as batch_op:
        batch_op.alter_column('counted', server_default=sa.true())
        batch_op.create_index(
            'ix_thread_members_counted',
            ['user_id'],
            unique=False,
            postgresql_where=sa.text('counted'),
            sqlite_where=sa.text('counted'),
        )


def downgrade():
    with op.batch_alter_table('thread_members', schema=None) as batch_op:
        batch_op.drop_index('ix_thread_members_counted')
        batch_op.drop_column('counted')
