"""pushes a device's push service refused for now are tried again: push_retries

Revision ID: e1a3c5e7f9b2
Revises: d0f2b4c6e8a1
Create Date: 2026-11-24 14:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e1a3c5e7f9b2'
down_revision = 'd0f2b4c6e8a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'push_retries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notification_id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('next_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['notification_id'], ['notifications.id'],
            name=op.f('fk_push_retries_notification_id_notifications'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['subscription_id'], ['push_subscriptions.id'],
            name=op.f('fk_push_retries_subscription_id_push_subscriptions'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_push_retries')),
    )
    op.create_index(op.f('ix_push_retries_next_at'), 'push_retries', ['next_at'], unique=False)
    op.create_index(
        op.f('ix_push_retries_notification_id'), 'push_retries', ['notification_id'], unique=False
    )
    op.create_index(
        op.f('ix_push_retries_subscription_id'), 'push_retries', ['subscription_id'], unique=False
    )


def downgrade():
    op.drop_table('push_retries')
