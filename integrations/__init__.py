"""Monitoring integrations: alerts in, draft or public incidents out.

A monitoring system (Alertmanager, Grafana, Uptime Kuma, or anything that speaks the
small generic shape) posts its alerts to the integration's address. Each alert group
becomes one incident, written through incidents.services as an operator's would be:
a draft awaiting approval by default, public after a hold-down with auto-publish.
People stay in charge: once someone posts to the incident, the machine only drafts.
"""
