"""device times: when the server received a checklist tick made on a device (perhaps offline)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 22:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_order_checklist_items') as batch:
        batch.add_column(sa.Column('done_received_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('work_order_checklist_items') as batch:
        batch.drop_column('done_received_at')
