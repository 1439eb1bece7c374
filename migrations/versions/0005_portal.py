"""portal: confirmed authenticator per user, time zone per warehouse

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 21:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_confirmed_at', sa.DateTime(), nullable=True))
    # Users that exist today log in with their codes already: they count as enrolled.
    op.execute("UPDATE users SET totp_confirmed_at = created_at")
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False))


def downgrade():
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.drop_column('timezone')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_confirmed_at')
