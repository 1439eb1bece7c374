"""indexes: work order lists per warehouse in creation order, with or without a status filter

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 22:00:00

"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # GET /api/work-orders sorts by -createdAt by default: with these, PostgreSQL reads the first
    # page in index order (warehouse, [status,] created_at) and stops after `limit` rows.
    op.create_index('ix_work_orders_warehouse_id_created_at', 'work_orders', ['warehouse_id', 'created_at'])
    op.create_index('ix_work_orders_warehouse_id_status_created_at', 'work_orders',
                    ['warehouse_id', 'status', 'created_at'])


def downgrade():
    op.drop_index('ix_work_orders_warehouse_id_status_created_at', table_name='work_orders')
    op.drop_index('ix_work_orders_warehouse_id_created_at', table_name='work_orders')
