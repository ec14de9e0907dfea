"""Hosts (the people whose time is booked) and their API tokens."""
