"""GraphQL adapter of the creators feature."""
