"""Contacts: the people hosts meet (invitees, guests of synced events)."""
