"""KPI core: the MTTR variants' timestamps on work orders, the PM grace rule per warehouse, and the
downtime index of the KPI window

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 04:00:00

work_orders.responded_at / repair_started_at are set by the work order lifecycle and labor services
from now on; older work orders keep them empty (they are left out of the repairStartToRestore MTTR
and the mean response time, which say how many repairs they count). warehouses.pm_grace is the PM
compliance grace rule (dueDate by default: the figure as it was). The (warehouse_id, ended_at)
index answers "periods still open or ended after the window's start" without reading every period.
Three work order indexes let the KPI statements read an index alone at a million work orders
(bench/README.md, kpis.py): completed per week by warehouse, the labor's work order type by id, and
PM compliance's columns for the PM work orders (partial: pm_template_id set).
"""
import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('repair_started_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pm_grace', sa.String(length=20), server_default='dueDate', nullable=False))
    with op.batch_alter_table('downtime_periods', schema=None) as batch_op:
        batch_op.create_index('ix_downtime_periods_warehouse_id_ended_at', ['warehouse_id', 'ended_at'],
                              unique=False)
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index('ix_work_orders_warehouse_id_completed_at', ['warehouse_id', 'completed_at'],
                              unique=False)
        batch_op.create_index('ix_work_orders_id_type', ['id', 'type'], unique=False)
        batch_op.create_index('ix_work_orders_pm_compliance', ['warehouse_id', 'due_date', 'pm_template_id',
                                                               'equipment_id', 'status', 'completed_at'],
                              unique=False, postgresql_where=sa.text('pm_template_id IS NOT NULL'),
                              sqlite_where=sa.text('pm_template_id IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_work_orders_pm_compliance')
        batch_op.drop_index('ix_work_orders_id_type')
        batch_op.drop_index('ix_work_orders_warehouse_id_completed_at')
    with op.batch_alter_table('downtime_periods', schema=None) as batch_op:
        batch_op.drop_index('ix_downtime_periods_warehouse_id_ended_at')
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.drop_column('pm_grace')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_column('repair_started_at')
        batch_op.drop_column('responded_at')
