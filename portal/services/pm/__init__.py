"""Preventive maintenance: templates, the schedule, meter and completion triggers."""
