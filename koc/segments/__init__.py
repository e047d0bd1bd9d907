"""Segments: one rule language over member facts for audiences, automatic tags and stages."""
