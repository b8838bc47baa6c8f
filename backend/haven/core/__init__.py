"""Core: settings, database, security primitives, errors, pagination, HTTP helpers, audit.

Knows no domain. Anyone may import from here; ``core`` imports nothing from the domains.
"""
