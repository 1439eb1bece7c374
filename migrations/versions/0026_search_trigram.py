"""search at scale: GIN trigram indexes for the q= search of work orders, equipment and parts
(PostgreSQL only; SQLite keeps reading the rows); a person's work orders by due date

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 00:10:00

The indexed expression must be the one the statements build (portal/models/search.py:
search_text): the columns joined by newlines, NULL as empty. Written out here, as a migration
is frozen in time while the models move on.
"""
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

SEARCHED = {
    'work_orders': ('fo_number', 'title', 'description'),
    'equipment': ('asset_tag', 'model', 'manufacturer', 'description', 'location'),
    'parts': ('part_number', 'description', 'supplier'),
}


def _expression(columns):
    return " || '\n' || ".join(f"coalesce({column}, '')" for column in columns)


def upgrade():
    op.create_index('ix_work_orders_warehouse_id_assigned_to_due_date', 'work_orders',
                    ['warehouse_id', 'assigned_to', 'due_date'])
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for table, columns in SEARCHED.items():
        op.execute(f'CREATE INDEX ix_{table}_search_trgm ON {table} USING gin (({_expression(columns)}) gin_trgm_ops)')


def downgrade():
    op.drop_index('ix_work_orders_warehouse_id_assigned_to_due_date', table_name='work_orders')
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in SEARCHED:
        op.execute(f'DROP INDEX IF EXISTS ix_{table}_search_trgm')
