"""Alerts (预警): SLA breaches, overdue backfills, close legal deadlines, repeat callers."""
