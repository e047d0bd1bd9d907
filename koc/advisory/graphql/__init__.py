"""GraphQL adapter of this feature."""
