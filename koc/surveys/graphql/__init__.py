"""The GraphQL adapter of the surveys feature."""
