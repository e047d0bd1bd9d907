"""Query limits, cost analysis, rate limiting and trusted documents."""
