"""Composition root: settings, the litestar app, routes, pages and the CLI."""
