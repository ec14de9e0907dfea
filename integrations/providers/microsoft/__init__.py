"""Microsoft 365 / Outlook calendars: msal OAuth, the Graph adapter, and error mapping."""
