"""problem reports without an account: per-warehouse switch, per-asset report token, reporter on work orders

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 21:50:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (SQLite too): no copy of the table every other one points at.
    op.add_column('warehouses', sa.Column('problem_reports_enabled', sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporter_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('reporter_contact', sa.String(length=200), nullable=True))
    # NOT NULL with a constant default, then a unique index: both without copying `equipment`, a table
    # other rows point at (SQLite's batch copy would break their foreign keys).
    op.add_column('equipment', sa.Column('report_token', sa.String(length=64), server_default='', nullable=False))
    # Every existing asset gets its own unguessable token (256 random bits, as new ones do).
    conn = op.get_bind()
    equipment = sa.table('equipment', sa.column('id', sa.String), sa.column('report_token', sa.String))
    for (equipment_id,) in conn.execute(sa.select(equipment.c.id)).fetchall():
        conn.execute(equipment.update().where(equipment.c.id == equipment_id)
                     .values(report_token=secrets.token_urlsafe(32)))
    if conn.dialect.name != 'sqlite':
        # New rows always get a token from the model; SQLite cannot drop a default without a table copy.
        op.alter_column('equipment', 'report_token', server_default=None, existing_type=sa.String(length=64),
                        existing_nullable=False)
    op.create_index(op.f('ix_equipment_report_token'), 'equipment', ['report_token'], unique=True)


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ too): no table copies under rows that point at these tables.
    op.drop_index(op.f('ix_equipment_report_token'), table_name='equipment')
    op.drop_column('equipment', 'report_token')
    op.drop_column('work_orders', 'reporter_contact')
    op.drop_column('work_orders', 'reporter_name')
    op.drop_column('warehouses', 'problem_reports_enabled')
