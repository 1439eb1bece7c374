"""sign-off: a PM template or a work order may require a signature to complete; the signature is a
work order attachment of kind "signature" with the signer's name

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 21:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pm_templates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_signature', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_signature', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('work_order_attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='photo', nullable=False))
        batch_op.add_column(sa.Column('signer_name', sa.String(length=120), nullable=True))


def downgrade():
    # Signatures are not photos: drop them with the column that tells them apart (their files stay on
    # disk, unreferenced, like those of a deleted work order).
    op.execute("DELETE FROM work_order_attachments WHERE kind = 'signature'")
    with op.batch_alter_table('work_order_attachments', schema=None) as batch_op:
        batch_op.drop_column('signer_name')
        batch_op.drop_column('kind')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_column('requires_signature')
    with op.batch_alter_table('pm_templates', schema=None) as batch_op:
        batch_op.drop_column('requires_signature')
