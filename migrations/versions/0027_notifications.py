"""notifications: the portal's notifications, each person's preferences, and the mail outbox

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 00:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('warehouse_id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('entity', sa.String(length=40), nullable=False),
        sa.Column('entity_id', sa.String(length=36), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('digested_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['domain_events.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id', 'user_id', name='uq_notifications_event_id_user_id'),
    )
    op.create_index('ix_notifications_user_id_read_at', 'notifications', ['user_id', 'read_at'])
    op.create_index('ix_notifications_user_id_created_at', 'notifications', ['user_id', 'created_at'])
    op.create_table(
        'notification_preferences',
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('user_id', 'kind'),
    )
    op.create_table(
        'mail_messages',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('warehouse_id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.String(length=36), nullable=True),
        sa.Column('event_id', sa.String(length=36), nullable=True),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['domain_events.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dedupe_key'),
    )
    op.create_index('ix_mail_messages_warehouse_id', 'mail_messages', ['warehouse_id'])
    op.create_index('ix_mail_messages_state', 'mail_messages', ['state'])
    op.create_index('ix_mail_messages_created_at', 'mail_messages', ['created_at'])


def downgrade():
    op.drop_table('mail_messages')
    op.drop_table('notification_preferences')
    op.drop_index('ix_notifications_user_id_created_at', table_name='notifications')
    op.drop_index('ix_notifications_user_id_read_at', table_name='notifications')
    op.drop_table('notifications')
