"""The failure codes' use from a partial index of the coded work orders

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 09:00:00

The work order page's completion step lists each kind's codes most used first (failure_codes.usage():
a GROUP BY over the warehouse's work orders that carry a code). Without an index of its own that
was a scan of every work order of the table on each page that can complete (10 ms of PostgreSQL
at 26,000 work orders, bench/README.md "steps_profile.py"); the partial index holds the coded ones
alone, and the count reads it alone.
"""
import sqlalchemy as sa
from alembic import op

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None

CODED = 'failure_mode IS NOT NULL OR failure_cause IS NOT NULL OR failure_remedy IS NOT NULL'


def upgrade():
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index('ix_work_orders_failure_codes',
                              ['warehouse_id', 'failure_mode', 'failure_cause', 'failure_remedy'],
                              unique=False, postgresql_where=sa.text(CODED), sqlite_where=sa.text(CODED))


def downgrade():
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_work_orders_failure_codes')
