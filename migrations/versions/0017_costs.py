"""costs: hourly rates, the cost of each labor entry, and running parts/labor cost totals per work order

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 22:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('hourly_rate', sa.Numeric(12, 2), nullable=True))
    with op.batch_alter_table('labor_entries') as batch:
        batch.add_column(sa.Column('cost', sa.Numeric(12, 2), nullable=False, server_default='0'))
    with op.batch_alter_table('work_orders') as batch:
        batch.add_column(sa.Column('parts_cost', sa.Numeric(12, 2), nullable=False, server_default='0'))
        batch.add_column(sa.Column('labor_cost', sa.Numeric(12, 2), nullable=False, server_default='0'))
    # Work orders that already used parts start with their totals (labor had no rate: 0.00).
    op.execute("UPDATE work_orders SET parts_cost = COALESCE((SELECT SUM(pc.total_cost) FROM part_consumptions pc "
               "WHERE pc.work_order_id = work_orders.id), 0)")


def downgrade():
    with op.batch_alter_table('work_orders') as batch:
        batch.drop_column('labor_cost')
        batch.drop_column('parts_cost')
    with op.batch_alter_table('labor_entries') as batch:
        batch.drop_column('cost')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('hourly_rate')
