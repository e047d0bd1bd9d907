"""GraphQL adapter of the referrals feature."""
