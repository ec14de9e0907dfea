"""The outside world: calendar providers, Zoom, OAuth, token vault, sync, jobs."""
