"""Local emulators of the external providers (Google, Microsoft, Zoom) for tests."""
