"""checks that lead somewhere: follow-up work orders from checklist readings, the plant's decimal mark

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 21:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decimal_mark', sa.String(length=1), server_default='.', nullable=False))
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_work_orders_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_work_orders_parent_id_work_orders'), 'work_orders',
                                    ['parent_id'], ['id'])
    with op.batch_alter_table('work_order_checklist_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_follow_up', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('follow_up_id', sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_work_order_checklist_items_follow_up_id_work_orders'),
                                    'work_orders', ['follow_up_id'], ['id'])


def downgrade():
    with op.batch_alter_table('work_order_checklist_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_work_order_checklist_items_follow_up_id_work_orders'),
                                 type_='foreignkey')
        batch_op.drop_column('follow_up_id')
        batch_op.drop_column('auto_follow_up')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_work_orders_parent_id_work_orders'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_work_orders_parent_id'))
        batch_op.drop_column('parent_id')
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.drop_column('decimal_mark')
