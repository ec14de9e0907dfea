"""OAuth 2.0 helpers shared by every provider (state and PKCE)."""
