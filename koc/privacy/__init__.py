"""Privacy by law (PIPL): consent per purpose under versioned policies, a member's own data,
erasure after a cooling-off period, records of who read sensitive data, and retention."""
