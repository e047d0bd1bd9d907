"""Audit log of staff actions that change data."""
