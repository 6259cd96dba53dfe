"""Shared mechanisms that know no domain: the permission check, mail, rate limits, database helpers, error pages."""
