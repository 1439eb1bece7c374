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
    # Not a batch (table copy) on SQLite: recreating `equipment` drops a table that work orders
    # reference, which SQLite refuses with foreign keys on. SQLite adds a column with an inline,
    # named REFERENCES clause in place; PostgreSQL gets the same named constraint.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE equipment ADD COLUMN parent_id VARCHAR(36) '
                   'CONSTRAINT fk_equipment_parent_id_equipment REFERENCES equipment (id)')
    else:
        op.add_column('equipment', sa.Column('parent_id', sa.String(length=36), nullable=True))
        op.create_foreign_key('fk_equipment_parent_id_equipment', 'equipment', 'equipment', ['parent_id'], ['id'])
    op.create_index('ix_equipment_warehouse_id_parent_id', 'equipment', ['warehouse_id', 'parent_id'], unique=False)


def downgrade():
    op.drop_index('ix_equipment_warehouse_id_parent_id', table_name='equipment')
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_equipment_parent_id_equipment', type_='foreignkey')
        batch_op.drop_column('parent_id')
