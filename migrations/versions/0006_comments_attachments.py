"""work order comments and photo attachments

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 22:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('work_order_comments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_work_order_comments_author_id_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_work_order_comments_warehouse_id_warehouses')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_comments_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_comments'))
    )
    with op.batch_alter_table('work_order_comments', schema=None) as batch_op:
        batch_op.create_index('ix_work_order_comments_work_order_id_created_at', ['work_order_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_comments_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('work_order_attachments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('uploaded_by', sa.String(length=36), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_work_order_attachments_uploaded_by_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_work_order_attachments_warehouse_id_warehouses')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_attachments_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_attachments'))
    )
    with op.batch_alter_table('work_order_attachments', schema=None) as batch_op:
        batch_op.create_index('ix_work_order_attachments_work_order_id_created_at', ['work_order_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_attachments_warehouse_id'), ['warehouse_id'], unique=False)


def downgrade():
    with op.batch_alter_table('work_order_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_attachments_warehouse_id'))
        batch_op.drop_index('ix_work_order_attachments_work_order_id_created_at')
    op.drop_table('work_order_attachments')
    with op.batch_alter_table('work_order_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_comments_warehouse_id'))
        batch_op.drop_index('ix_work_order_comments_work_order_id_created_at')
    op.drop_table('work_order_comments')
