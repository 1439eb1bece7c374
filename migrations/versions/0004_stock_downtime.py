"""stock movements (the stock ledger, backfilled with each part's current level) and downtime periods

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 21:15:00

"""
import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stock_movements',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('part_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('level_after', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('work_order_id', sa.String(length=36), nullable=True),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_movements_part_id_parts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stock_movements_user_id_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_stock_movements_warehouse_id_warehouses')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_stock_movements_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movements_part_created', ['part_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_warehouse_id'), ['warehouse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('downtime_periods',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('equipment_id', sa.String(length=36), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('work_order_id', sa.String(length=36), nullable=True),
    sa.Column('started_by', sa.String(length=36), nullable=True),
    sa.Column('ended_by', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['ended_by'], ['users.id'], name=op.f('fk_downtime_periods_ended_by_users')),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], name=op.f('fk_downtime_periods_equipment_id_equipment')),
    sa.ForeignKeyConstraint(['started_by'], ['users.id'], name=op.f('fk_downtime_periods_started_by_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_downtime_periods_warehouse_id_warehouses')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_downtime_periods_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_downtime_periods'))
    )
    with op.batch_alter_table('downtime_periods', schema=None) as batch_op:
        batch_op.create_index('ix_downtime_periods_equipment_started', ['equipment_id', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_downtime_periods_warehouse_id'), ['warehouse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_downtime_periods_work_order_id'), ['work_order_id'], unique=False)

    # The ledger begins with each part's level today, so it sums to the level from the start.
    conn = op.get_bind()
    parts = conn.execute(sa.text("SELECT id, warehouse_id, stock_level FROM parts WHERE stock_level <> 0")).all()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    movements = sa.table('stock_movements', sa.column('id'), sa.column('warehouse_id'), sa.column('part_id'),
                         sa.column('kind'), sa.column('quantity'), sa.column('level_after'), sa.column('note'),
                         sa.column('created_at', sa.DateTime()))
    if parts:
        op.bulk_insert(movements, [
            {"id": str(uuid.uuid4()), "warehouse_id": wh, "part_id": pid, "kind": "initial", "quantity": level,
             "level_after": level, "note": "Level when the stock ledger began", "created_at": now}
            for pid, wh, level in parts
        ])


def downgrade():
    with op.batch_alter_table('downtime_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_downtime_periods_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_downtime_periods_warehouse_id'))
        batch_op.drop_index('ix_downtime_periods_equipment_started')
    op.drop_table('downtime_periods')
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_movements_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_warehouse_id'))
        batch_op.drop_index('ix_stock_movements_part_created')
    op.drop_table('stock_movements')
