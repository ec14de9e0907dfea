"""Google Calendar v3: OAuth, the provider adapter, and error mapping."""
