"""reorder requests: ordered and received (who, when, and the receipt movement that booked the goods)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 21:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reorder_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ordered_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ordered_by', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('received_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('received_by', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('stock_movement_id', sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reorder_requests_ordered_by_users'),
                                    'users', ['ordered_by'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_reorder_requests_received_by_users'),
                                    'users', ['received_by'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_reorder_requests_stock_movement_id_stock_movements'),
                                    'stock_movements', ['stock_movement_id'], ['id'])


def downgrade():
    with op.batch_alter_table('reorder_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reorder_requests_stock_movement_id_stock_movements'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reorder_requests_received_by_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reorder_requests_ordered_by_users'), type_='foreignkey')
        batch_op.drop_column('stock_movement_id')
        batch_op.drop_column('received_by')
        batch_op.drop_column('received_at')
        batch_op.drop_column('ordered_by')
        batch_op.drop_column('ordered_at')
