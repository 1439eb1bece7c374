"""The baseline for bench/api.py: a bare Flask route returning 50 rows (and one row) of the same
shape as a work order, under the same gunicorn settings, with no database, token or pydantic."""
from __future__ import annotations

from flask import Flask, jsonify

ROW = {"id": "7f0c3a52-9a51-4f0e-8d7e-2c1b5b0d9a10", "foNumber": "WO-2026-001", "title": "Replace bearing",
       "description": "Bearing noise on pump 4", "status": "new", "priority": "medium", "type": "corrective",
       "equipmentId": None, "assignedTo": None, "requestedBy": None, "dueDate": None, "completionNotes": None,
       "completedAt": None, "createdAt": "2026-11-25T21:00:00.000Z", "updatedAt": "2026-11-25T21:00:00.000Z",
       "warehouseId": "0b1e8c1e-51a4-4f0b-9d6c-1f7e2b3a4c5d", "estimatedDuration": None, "actualDuration": 0}
app = Flask(__name__)


@app.get("/rows")
def rows():
    return jsonify([dict(ROW, foNumber=f"WO-2026-{i:03d}") for i in range(50)])


@app.get("/row")
def row():
    return jsonify(ROW)
