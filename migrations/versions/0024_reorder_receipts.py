"""reorder receipts: partial receipts against a reorder request, each applied once

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 00:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reorder_requests') as batch:
        batch.add_column(sa.Column('received_quantity', sa.Integer(), server_default='0', nullable=False))
    op.create_table(
        'reorder_receipts',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('warehouse_id', sa.String(length=36), nullable=False),
        sa.Column('reorder_request_id', sa.String(length=36), nullable=False),
        sa.Column('stock_movement_id', sa.String(length=36), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('more_than_ordered', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('received_by', sa.String(length=36), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_reorder_receipts_warehouse_id_warehouses')),
        sa.ForeignKeyConstraint(['reorder_request_id'], ['reorder_requests.id'],
                                name=op.f('fk_reorder_receipts_reorder_request_id_reorder_requests')),
        sa.ForeignKeyConstraint(['stock_movement_id'], ['stock_movements.id'],
                                name=op.f('fk_reorder_receipts_stock_movement_id_stock_movements')),
        sa.ForeignKeyConstraint(['received_by'], ['users.id'], name=op.f('fk_reorder_receipts_received_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reorder_receipts')),
        sa.UniqueConstraint('stock_movement_id', name=op.f('uq_reorder_receipts_stock_movement_id')),
    )
    with op.batch_alter_table('reorder_receipts') as batch:
        batch.create_index(batch.f('ix_reorder_receipts_warehouse_id'), ['warehouse_id'], unique=False)
        batch.create_index(batch.f('ix_reorder_receipts_reorder_request_id'), ['reorder_request_id'], unique=False)
    # Requests received before partial receipts: their one receipt, under the request's own id.
    op.execute("UPDATE reorder_requests SET received_quantity = quantity WHERE status = 'received'")
    op.execute(
        "INSERT INTO reorder_receipts (id, warehouse_id, reorder_request_id, stock_movement_id, quantity, "
        "more_than_ordered, received_by, created_at) "
        "SELECT id, warehouse_id, id, stock_movement_id, quantity, false, received_by, received_at "
        "FROM reorder_requests WHERE status = 'received' AND stock_movement_id IS NOT NULL "
        "AND received_at IS NOT NULL")


def downgrade():
    op.drop_table('reorder_receipts')
    with op.batch_alter_table('reorder_requests') as batch:
        batch.drop_column('received_quantity')
