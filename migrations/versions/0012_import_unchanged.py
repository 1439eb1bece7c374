"""csv imports: rows whose key existed and whose cells changed nothing are counted apart

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 07:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        # Imports that ran before this counted such rows as updated; they keep their figures.
        batch_op.add_column(sa.Column('unchanged_count', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('unchanged_count')
