"""Bookings: an invitee's reservation of a slot of an event type."""
