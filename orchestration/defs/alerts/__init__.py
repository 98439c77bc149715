"""Alerts: a failed run leaves a record (and, if configured, calls a webhook)."""

from orchestration.defs.alerts.sensors import alert_record, run_failure_alert, send_webhook

__all__ = ["alert_record", "run_failure_alert", "send_webhook"]
