"""Work orders: their lifecycle and reads, checklists, comments, labor, photos, My work, escalation,
problem reports.
"""
