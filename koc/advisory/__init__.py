"""One-to-one advisory: owner advisors, the pool, handovers and follow-ups."""
