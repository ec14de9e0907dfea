"""Transactional outbox: work for the outside world (e-mail, Zoom) written in the same
transaction as the change that causes it, and carried out by integrations after commit."""
