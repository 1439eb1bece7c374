"""problem reports without an account: per-warehouse switch, per-asset report token, reporter on work orders

Revision ID: 0007
Revises: 0005  (re-chained at merge)
Create Date: 2026-11-25 21:50:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (SQLite too): no copy of the table every other one points at.
    op.add_column('warehouses', sa.Column('problem_reports_enabled', sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporter_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('reporter_contact', sa.String(length=200), nullable=True))
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_token', sa.String(length=64), nullable=True))
    # Every existing asset gets its own unguessable token (256 random bits, as new ones do).
    conn = op.get_bind()
    equipment = sa.table('equipment', sa.column('id', sa.String), sa.column('report_token', sa.String))
    for (equipment_id,) in conn.execute(sa.select(equipment.c.id)).fetchall():
        conn.execute(equipment.update().where(equipment.c.id == equipment_id)
                     .values(report_token=secrets.token_urlsafe(32)))
    if conn.dialect.name == 'sqlite':
        # The batch copy of `equipment` drops and renames a table other rows point at: check the
        # foreign keys at commit, when the new table carries the old name again.
        op.execute('PRAGMA defer_foreign_keys = ON')
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.alter_column('report_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_equipment_report_token'), ['report_token'])


def downgrade():
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_equipment_report_token'), type_='unique')
        batch_op.drop_column('report_token')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_column('reporter_contact')
        batch_op.drop_column('reporter_name')
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.drop_column('problem_reports_enabled')
