"""board views: the columns each user picked for the work order table, and their saved views

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 00:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('board_settings',
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_board_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_board_settings'))
    )
    op.create_table('board_views',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_board_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_views')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_board_views_user_id_name'))
    )
    with op.batch_alter_table('board_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_views_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('board_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_views_user_id'))
    op.drop_table('board_views')
    op.drop_table('board_settings')
