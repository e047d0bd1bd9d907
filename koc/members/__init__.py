"""Members, tags and lifecycle stages."""
