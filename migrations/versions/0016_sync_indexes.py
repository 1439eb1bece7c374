"""indexes: sync reads (cursor paging) of work orders, equipment and parts in (updated_at, id) order

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 22:00:00

"""
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TABLES = ('work_orders', 'equipment', 'parts')


def upgrade():
    # GET /api/<list>?cursor=... reads WHERE warehouse_id = ? AND (updated_at, id) > cursor ORDER BY
    # updated_at, id LIMIT n: with these, a page is read in index order and stops after n rows.
    for table in TABLES:
        op.create_index(f'ix_{table}_warehouse_id_updated_at_id', table, ['warehouse_id', 'updated_at', 'id'])


def downgrade():
    for table in reversed(TABLES):
        op.drop_index(f'ix_{table}_warehouse_id_updated_at_id', table_name=table)
