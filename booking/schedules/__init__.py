"""Schedules: a host's weekly working hours and date overrides, in one IANA zone."""
