"""hold reasons: the warehouse's list of why work waits, the defaults for every existing warehouse

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 21:40:00

"""
import uuid
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# A copy of services/work_orders/hold_reasons.py DEFAULTS as they were when this migration was written.
DEFAULTS = (
    ("waiting_parts", "Waiting for parts"),
    ("waiting_access", "Waiting for production/access"),
    ("waiting_trade", "Waiting for another trade"),
    ("safety_permit", "Safety/permit"),
    ("other", "Other"),
)


def upgrade():
    hold_reasons = op.create_table('hold_reasons',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_hold_reasons_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hold_reasons')),
    sa.UniqueConstraint('warehouse_id', 'code', name=op.f('uq_hold_reasons_warehouse_id_code'))
    )
    with op.batch_alter_table('hold_reasons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hold_reasons_warehouse_id'), ['warehouse_id'], unique=False)
    warehouses = op.get_bind().execute(sa.text("SELECT id FROM warehouses")).scalars().all()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [{"id": str(uuid.uuid4()), "warehouse_id": wh, "code": code, "label": label, "position": n,
             "active": True, "created_at": now}
            for wh in warehouses for n, (code, label) in enumerate(DEFAULTS)]
    if rows:
        op.bulk_insert(hold_reasons, rows)


def downgrade():
    with op.batch_alter_table('hold_reasons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hold_reasons_warehouse_id'))
    op.drop_table('hold_reasons')
