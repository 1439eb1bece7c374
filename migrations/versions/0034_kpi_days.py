"""KPI day rows: per warehouse and UTC day, work orders opened and completed and labor minutes (all,
preventive), kept by the transactions that write them; labor and parts carry their work order's asset

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 06:30:00

The KPIs of a year read 365 of these rows instead of counting ~400,000 index entries and joining
~185,000 labor entries to their work orders' type (bench/README.md, kpis.py). From now on the app's
flushes keep them (services/reporting/days.py); this migration counts what is already there. The
(warehouse_id, status) index on equipment counts the assets in service from the index alone. Labor
entries and part consumptions get their work order's asset (kept by services/reporting/asset_costs.py
from now on), and their window indexes carry it with the cost: the cost per asset of a year (bad
actors) reads ~240,000 index entries instead of joining them to a million work orders.
"""
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    # Labor and part consumptions carry their work order's asset (services/reporting/asset_costs.py).
    # Not a batch (table copy) on SQLite, as in 0032: a column with a named inline REFERENCES.
    for table in ('labor_entries', 'part_consumptions'):
        if sqlite:
            op.execute(f'ALTER TABLE {table} ADD COLUMN equipment_id VARCHAR(36) '
                       f'CONSTRAINT fk_{table}_equipment_id_equipment REFERENCES equipment (id)')
            op.execute(f'UPDATE {table} SET equipment_id = '
                       f'(SELECT w.equipment_id FROM work_orders w WHERE w.id = {table}.work_order_id)')
        else:
            op.add_column(table, sa.Column('equipment_id', sa.String(length=36), nullable=True))
            op.create_foreign_key(f'fk_{table}_equipment_id_equipment', table, 'equipment', ['equipment_id'], ['id'])
            op.execute(f'UPDATE {table} AS t SET equipment_id = w.equipment_id FROM work_orders w '
                       f'WHERE w.id = t.work_order_id AND w.equipment_id IS NOT NULL')
    op.drop_index('ix_labor_entries_warehouse_id_performed_at', table_name='labor_entries')
    op.create_index('ix_labor_entries_asset_costs', 'labor_entries',
                    ['warehouse_id', 'performed_at', 'equipment_id', 'cost'], unique=False)
    op.drop_index('ix_part_consumptions_warehouse_id_consumed_at', table_name='part_consumptions')
    op.create_index('ix_part_consumptions_asset_costs', 'part_consumptions',
                    ['warehouse_id', 'consumed_at', 'equipment_id', 'total_cost'], unique=False)
    # One asset's labor and parts of a window (the KPIs' listed assets), from the index alone.
    op.create_index('ix_labor_entries_equipment_minutes', 'labor_entries',
                    ['equipment_id', 'performed_at', 'minutes'], unique=False)
    op.create_index('ix_part_consumptions_equipment_cost', 'part_consumptions',
                    ['equipment_id', 'consumed_at', 'total_cost'], unique=False)
    op.create_table(
        'work_order_days',
        sa.Column('warehouse_id', sa.String(length=36), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('opened', sa.Integer(), server_default='0', nullable=False),
        sa.Column('completed', sa.Integer(), server_default='0', nullable=False),
        sa.Column('labor_minutes', sa.Integer(), server_default='0', nullable=False),
        sa.Column('preventive_labor_minutes', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_work_order_days_warehouse_id_warehouses')),
        sa.PrimaryKeyConstraint('warehouse_id', 'day', name=op.f('pk_work_order_days')),
    )
    op.create_index('ix_equipment_warehouse_id_status', 'equipment', ['warehouse_id', 'status'], unique=False)
    day = (lambda c: f"date({c})") if sqlite else (lambda c: f"CAST({c} AS date)")
    op.execute(f"""
        INSERT INTO work_order_days (warehouse_id, day, opened, completed, labor_minutes, preventive_labor_minutes)
        SELECT warehouse_id, day, SUM(opened), SUM(completed), SUM(labor), SUM(preventive) FROM (
            SELECT warehouse_id, {day('created_at')} AS day, COUNT(*) AS opened, 0 AS completed,
                   0 AS labor, 0 AS preventive
              FROM work_orders GROUP BY warehouse_id, {day('created_at')}
            UNION ALL
            SELECT warehouse_id, {day('completed_at')}, 0, COUNT(*), 0, 0
              FROM work_orders WHERE completed_at IS NOT NULL GROUP BY warehouse_id, {day('completed_at')}
            UNION ALL
            SELECT l.warehouse_id, {day('l.performed_at')}, 0, 0, SUM(l.minutes),
                   SUM(CASE WHEN w.type = 'preventive' THEN l.minutes ELSE 0 END)
              FROM labor_entries l JOIN work_orders w ON w.id = l.work_order_id
             GROUP BY l.warehouse_id, {day('l.performed_at')}
        ) AS parts GROUP BY warehouse_id, day
    """)


def downgrade():
    op.drop_index('ix_part_consumptions_equipment_cost', table_name='part_consumptions')
    op.drop_index('ix_labor_entries_equipment_minutes', table_name='labor_entries')
    op.drop_index('ix_part_consumptions_asset_costs', table_name='part_consumptions')
    op.create_index('ix_part_consumptions_warehouse_id_consumed_at', 'part_consumptions',
                    ['warehouse_id', 'consumed_at'], unique=False)
    op.drop_index('ix_labor_entries_asset_costs', table_name='labor_entries')
    op.create_index('ix_labor_entries_warehouse_id_performed_at', 'labor_entries',
                    ['warehouse_id', 'performed_at'], unique=False)
    for table in ('labor_entries', 'part_consumptions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_equipment_id_equipment', type_='foreignkey')
            batch_op.drop_column('equipment_id')
    op.drop_index('ix_equipment_warehouse_id_status', table_name='equipment')
    op.drop_table('work_order_days')
