"""the reporter follows up: status link token hash, reporter e-mail, comments visible to the reporter

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 21:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN and CREATE INDEX (SQLite too): no copy of tables other rows point at.
    op.add_column('work_orders', sa.Column('reporter_email', sa.String(length=254), nullable=True))
    op.add_column('work_orders', sa.Column('status_token_hash', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_work_orders_status_token_hash'), 'work_orders', ['status_token_hash'], unique=True)
    op.add_column('work_order_comments', sa.Column('visible_to_reporter', sa.Boolean(), server_default=sa.false(),
                                                   nullable=False))


def downgrade():
    op.drop_column('work_order_comments', 'visible_to_reporter')
    op.drop_index(op.f('ix_work_orders_status_token_hash'), table_name='work_orders')
    op.drop_column('work_orders', 'status_token_hash')
    op.drop_column('work_orders', 'reporter_email')
