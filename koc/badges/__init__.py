"""Badges (勋章): honour earned by rules or awarded by staff, verifiable offline by QR."""
