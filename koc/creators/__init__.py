"""KOC discovery, typed roles, applications and recruitment campaigns (creators)."""
