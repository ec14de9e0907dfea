"""Activities (meetings, calls, tasks...) and their types."""
