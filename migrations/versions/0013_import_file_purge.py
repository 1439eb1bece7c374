"""csv imports: when the uploaded file of a finished import was removed (IMPORT_KEEP_DAYS)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 07:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_purged_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('file_purged_at')
