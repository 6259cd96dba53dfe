"""Shared pieces: permissions, mail, rate limits, database helpers, error pages."""
