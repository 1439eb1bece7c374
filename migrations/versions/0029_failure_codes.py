"""failure codes (ISO 14224): the warehouse's catalogue, the codes on work orders, the equipment
class, downtime reason codes and planned/unplanned

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 00:00:00

"""
import uuid
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

# A copy of services/work_orders/failure_codes.py DEFAULTS as they were when this migration was written.
ROTATING = ("pump", "electric_motor", "compressor", "fan", "conveyor", "gearbox")
DEFAULTS = (
    ("mode", "FTS", "Fails to start", ()),
    ("mode", "UST", "Stops unexpectedly", ()),
    ("mode", "BRD", "Breakdown", ()),
    ("mode", "VIB", "Vibration", ROTATING),
    ("mode", "NOI", "Abnormal noise", ()),
    ("mode", "OHE", "Overheating", ()),
    ("mode", "ELP", "External leakage", ("pump", "compressor", "valve", "gearbox")),
    ("mode", "LOO", "Low output", ("pump", "compressor", "fan", "conveyor")),
    ("mode", "ERO", "Erratic output or control", ()),
    ("mode", "STD", "Structural damage", ()),
    ("cause", "WEAR", "Wear", ()),
    ("cause", "FAT", "Fatigue", ()),
    ("cause", "COR", "Corrosion", ()),
    ("cause", "MIS", "Misalignment", ROTATING),
    ("cause", "LUB", "Lubrication (lack or wrong)", ROTATING),
    ("cause", "CON", "Contamination or blockage", ()),
    ("cause", "OVL", "Overload", ()),
    ("cause", "ELF", "Electrical fault", ()),
    ("cause", "LOS", "Looseness", ()),
    ("cause", "OPE", "Operating error", ()),
    ("cause", "UNK", "Cause not found", ()),
    ("remedy", "REPL", "Replace", ()),
    ("remedy", "REP", "Repair", ()),
    ("remedy", "ADJ", "Adjust or align", ()),
    ("remedy", "CLN", "Clean", ()),
    ("remedy", "LUB", "Lubricate", ()),
    ("remedy", "RES", "Reset or restart", ()),
    ("remedy", "MOD", "Modify", ()),
    ("remedy", "NFF", "Inspected, no fault found", ()),
)


def upgrade():
    failure_codes = op.create_table('failure_codes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('equipment_classes', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_failure_codes_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failure_codes')),
    sa.UniqueConstraint('warehouse_id', 'kind', 'code', name=op.f('uq_failure_codes_warehouse_id_kind_code'))
    )
    with op.batch_alter_table('failure_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failure_codes_warehouse_id'), ['warehouse_id'], unique=False)
    # Plain ADD COLUMNs (SQLite too): no copy of the tables every other one points at.
    op.add_column('work_orders', sa.Column('failure_mode', sa.String(length=20), nullable=True))
    op.add_column('work_orders', sa.Column('failure_cause', sa.String(length=20), nullable=True))
    op.add_column('work_orders', sa.Column('failure_remedy', sa.String(length=20), nullable=True))
    op.add_column('equipment', sa.Column('equipment_class', sa.String(length=60), nullable=True))
    # Every period recorded so far counted as a failure: they read on as breakdowns, unplanned.
    op.add_column('downtime_periods', sa.Column('reason_code', sa.String(length=40), server_default='breakdown',
                                                nullable=False))
    op.add_column('downtime_periods', sa.Column('planned', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('warehouses', sa.Column('require_failure_codes', sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
    warehouses = op.get_bind().execute(sa.text("SELECT id FROM warehouses")).scalars().all()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [{"id": str(uuid.uuid4()), "warehouse_id": wh, "kind": kind, "code": code, "label": label,
             "equipment_classes": sorted(classes), "active": True, "created_at": now, "updated_at": now}
            for wh in warehouses for kind, code, label, classes in DEFAULTS]
    if rows:
        op.bulk_insert(failure_codes, rows)


def downgrade():
    op.drop_column('warehouses', 'require_failure_codes')
    op.drop_column('downtime_periods', 'planned')
    op.drop_column('downtime_periods', 'reason_code')
    op.drop_column('equipment', 'equipment_class')
    op.drop_column('work_orders', 'failure_remedy')
    op.drop_column('work_orders', 'failure_cause')
    op.drop_column('work_orders', 'failure_mode')
    with op.batch_alter_table('failure_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failure_codes_warehouse_id'))
    op.drop_table('failure_codes')
