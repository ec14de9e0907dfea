"""Event types: what invitees can book (duration, rules, location, visibility)."""
