"""The GraphQL adapter shared by every feature: context, permissions, relay helpers, schema."""
