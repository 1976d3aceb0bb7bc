"""reports at a year: labor entries keep their person (request_events.data of kind labor
gets assignee_id); the index on (resolved_at, created_at) carries the filters' columns

Revision ID: f6b2c4d8e0a3
Revises: e5a1b3c7d9f2
Create Date: 2026-11-23 21:00:00

"""
from alembic import op


revision = 'f6b2c4d8e0a3'
down_revision = 'e5a1b3c7d9f2'
branch_labels = None
depends_on = None


RESOLVED_INCLUDE_BEFORE = ['id']
RESOLVED_INCLUDE = ['id', 'assignee_id', 'site_id', 'category_id', 'team_id', 'source']


def _resolved_index(include):
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_service_requests_resolved_at_created_at')
        batch_op.create_index(
            'ix_service_requests_resolved_at_created_at',
            ['resolved_at', 'created_at'],
            unique=False,
            postgresql_include=include,
        )


def upgrade():
    # Entries made from now on name the person the request was assigned to then. For the
    # older ones the request's assignee now is the best there is, and it is what the reports
    # credited them to until now.
    if op.get_bind().dialect.name == 'postgresql':
        _resolved_index(RESOLVED_INCLUDE)
        op.execute(
            "UPDATE request_events e SET data = (coalesce(e.data::jsonb, '{}'::jsonb)"
            " || jsonb_build_object('assignee_id', r.assignee_id))::json"
            " FROM service_requests r"
            " WHERE e.kind = 'labor' AND r.id = e.request_id"
        )
        # Every entry was rewritten: the reports' index of them would be twice its size.
        op.execute("REINDEX INDEX ix_request_events_reports")
    else:
        op.execute(
            "UPDATE request_events SET data = json_set(coalesce(data, '{}'), '$.assignee_id',"
            " (SELECT assignee_id FROM service_requests r WHERE r.id = request_events.request_id))"
            " WHERE kind = 'labor'"
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _resolved_index(RESOLVED_INCLUDE_BEFORE)
        op.execute(
            "UPDATE request_events SET data = (data::jsonb - 'assignee_id')::json"
            " WHERE kind = 'labor'"
        )
    else:
        op.execute(
            "UPDATE request_events SET data = json_remove(data, '$.assignee_id')"
            " WHERE kind = 'labor'"
        )
