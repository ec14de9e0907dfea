"""Conflict calendars: provider adapters, the busy-block store, sync and push."""
