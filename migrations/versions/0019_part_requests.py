"""part requests from work orders: a reorder request names the waiting work order and who asked

One open request per work order and part (a partial unique index).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 21:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OPEN_FOR_WORK_ORDER = "work_order_id IS NOT NULL AND status = 'open'"


def upgrade():
    with op.batch_alter_table('reorder_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_order_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('requested_by', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reorder_requests_work_order_id_work_orders'),
                                    'work_orders', ['work_order_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_reorder_requests_requested_by_users'),
                                    'users', ['requested_by'], ['id'])
        batch_op.create_index(batch_op.f('ix_reorder_requests_work_order_id'), ['work_order_id'], unique=False)
        batch_op.create_index('uq_reorder_requests_open_work_order_part', ['work_order_id', 'part_id'],
                              unique=True, sqlite_where=sa.text(OPEN_FOR_WORK_ORDER),
                              postgresql_where=sa.text(OPEN_FOR_WORK_ORDER))


def downgrade():
    with op.batch_alter_table('reorder_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_reorder_requests_open_work_order_part', sqlite_where=sa.text(OPEN_FOR_WORK_ORDER),
                            postgresql_where=sa.text(OPEN_FOR_WORK_ORDER))
        batch_op.drop_index(batch_op.f('ix_reorder_requests_work_order_id'))
        batch_op.drop_constraint(batch_op.f('fk_reorder_requests_requested_by_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reorder_requests_work_order_id_work_orders'), type_='foreignkey')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('requested_by')
        batch_op.drop_column('work_order_id')
