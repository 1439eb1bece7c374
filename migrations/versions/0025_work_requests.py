"""work requests: the manager's inbox of problem reports and requesters' requests, and the
warehouse's choice between "straight to work order" and "through the inbox"

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 00:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    # Existing warehouses keep today's behaviour: each report becomes a work order at once.
    with op.batch_alter_table('warehouses') as batch:
        batch.add_column(sa.Column('request_routing', sa.String(length=20), server_default='work_order', nullable=False))
    op.create_table('work_requests',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('equipment_id', sa.String(length=36), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reporter_name', sa.String(length=120), nullable=True),
    sa.Column('reporter_contact', sa.String(length=200), nullable=True),
    sa.Column('reporter_email', sa.String(length=254), nullable=True),
    sa.Column('requested_by', sa.String(length=36), nullable=True),
    sa.Column('status_token_hash', sa.String(length=64), nullable=True),
    sa.Column('photo_key', sa.String(length=200), nullable=True),
    sa.Column('photo_thumb_key', sa.String(length=200), nullable=True),
    sa.Column('photo_filename', sa.String(length=200), nullable=True),
    sa.Column('photo_content_type', sa.String(length=32), nullable=True),
    sa.Column('photo_size_bytes', sa.Integer(), nullable=True),
    sa.Column('photo_width', sa.Integer(), nullable=True),
    sa.Column('photo_height', sa.Integer(), nullable=True),
    sa.Column('work_order_id', sa.String(length=36), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_work_requests_decided_by_users')),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], name=op.f('fk_work_requests_equipment_id_equipment')),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_work_requests_requested_by_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_work_requests_warehouse_id_warehouses')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_requests_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_requests'))
    )
    with op.batch_alter_table('work_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_requests_equipment_id'), ['equipment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_requests_status_token_hash'), ['status_token_hash'], unique=True)
        batch_op.create_index('ix_work_requests_warehouse_id_status_created_at',
                              ['warehouse_id', 'status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_requests_work_order_id'), ['work_order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('work_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_requests_work_order_id'))
        batch_op.drop_index('ix_work_requests_warehouse_id_status_created_at')
        batch_op.drop_index(batch_op.f('ix_work_requests_status_token_hash'))
        batch_op.drop_index(batch_op.f('ix_work_requests_equipment_id'))
    op.drop_table('work_requests')
    with op.batch_alter_table('warehouses') as batch:
        batch.drop_column('request_routing')
