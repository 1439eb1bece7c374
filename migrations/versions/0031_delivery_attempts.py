"""webhook delivery attempts: one row per POST of a delivery, for the delivery log

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 01:30:00

Deliveries made before this migration have no attempt rows: the log shows one line from the
delivery's own last_* fields for them (portal/services/integrations/attempts.py).
"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webhook_delivery_attempts',
    sa.Column('delivery_id', sa.String(length=36), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('next_retry_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_deliveries.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('delivery_id', 'attempt')
    )


def downgrade():
    op.drop_table('webhook_delivery_attempts')
