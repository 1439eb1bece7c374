"""asset hierarchy: equipment.parent_id (site → area → line → machine → component)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 03:00:00

The parent is another asset of the same warehouse; no cycles. The rules live in
portal/services/assets/hierarchy.py (a database CHECK cannot see a cycle). The index on
(warehouse_id, parent_id) answers "the children of X" for the tree and the recursive subtree query
of rolled-up KPIs.
"""
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.String(length=36), nullable=True))
        batch_op.create_index('ix_equipment_warehouse_id_parent_id', ['warehouse_id', 'parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_equipment_parent_id_equipment'), 'equipment',
                                    ['parent_id'], ['id'])


def downgrade():
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_equipment_parent_id_equipment'), type_='foreignkey')
        batch_op.drop_index('ix_equipment_warehouse_id_parent_id')
        batch_op.drop_column('parent_id')
