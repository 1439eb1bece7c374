"""All models, imported here so Alembic and create_all see every table."""
from portal.models.api_keys import ApiKey
from portal.models.assets import CRITICALITIES, EQUIPMENT_STATUSES, DowntimePeriod, Equipment
from portal.models.attachments import WorkOrderAttachment, WorkOrderComment
from portal.models.board import BoardSettings, BoardView
from portal.models.events import EVENT_TYPES, DomainEvent
from portal.models.idempotency import IdempotencyKey
from portal.models.imports import IMPORT_KINDS, IMPORT_STATUSES, ImportJob, ImportRefusal
from portal.models.inventory import (
    MANUAL_MOVEMENT_TYPES,
    STOCK_MOVEMENT_TYPES,
    Part,
    PartConsumption,
    ReorderReceipt,
    ReorderRequest,
    StockMovement,
)
from portal.models.notifications import MailMessage, Notification, NotificationPreference
from portal.models.planning import Absence, Schedule, ScheduleItem
from portal.models.pm import CHECKLIST_TYPES, FREQUENCY_TYPES, ChecklistItem, LaborEntry, MeterReading, PMTemplate, PMTemplateEquipment
from portal.models.requests import REQUEST_ROUTINGS, REQUEST_STATUSES, WorkRequest
from portal.models.tenancy import Warehouse
from portal.models.users import ROLES, AuthSession, EnrolmentCode, User
from portal.models.webhooks import DELIVERY_STATES, TEST_EVENT, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint
from portal.models.work_orders import (
    OPEN_STATUSES,
    PRIORITIES,
    WORK_ORDER_STATUSES,
    WORK_ORDER_TYPES,
    FailureCode,
    HoldReason,
    WorkOrder,
    WorkOrderCounter,
    WorkOrderDay,
    WorkOrderHistory,
)

__all__ = [
    "CRITICALITIES", "EQUIPMENT_STATUSES", "EVENT_TYPES", "OPEN_STATUSES", "PRIORITIES", "ROLES",
    "WORK_ORDER_STATUSES", "WORK_ORDER_TYPES", "AuthSession", "DomainEvent", "Equipment", "Part",
    "PartConsumption", "ReorderReceipt", "ReorderRequest", "User", "Warehouse", "WorkOrder", "WorkOrderCounter", "WorkOrderDay",
    "WorkOrderHistory",
    "DELIVERY_STATES", "TEST_EVENT", "WebhookDelivery", "WebhookDeliveryAttempt", "WebhookEndpoint",
    "CHECKLIST_TYPES", "FREQUENCY_TYPES", "ChecklistItem", "LaborEntry", "MeterReading", "PMTemplate",
    "ApiKey", "EnrolmentCode", "PMTemplateEquipment", "MANUAL_MOVEMENT_TYPES", "STOCK_MOVEMENT_TYPES", "StockMovement", "DowntimePeriod",
    "WorkOrderAttachment", "WorkOrderComment", "HoldReason", "FailureCode",
    "Absence", "Schedule", "ScheduleItem",
    "IMPORT_KINDS", "IMPORT_STATUSES", "ImportJob", "ImportRefusal", "IdempotencyKey",
    "REQUEST_ROUTINGS", "REQUEST_STATUSES", "WorkRequest",
    "MailMessage", "Notification", "NotificationPreference",
    "BoardSettings", "BoardView",
]
