"""What booking tells people: e-mails with calendar invites, and no-login manage links.

Pure builders only (``ics``, ``emails``, ``links``, and ``wire``: the 7-bit bytes a
message is stored and sent as). Booking writes the composed messages to the outbox;
the delivery loop hands them to ``integrations.mail``.
"""
