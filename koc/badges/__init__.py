"""Badges (勋章): honour earned by rules or awarded by staff, verifiable offline by QR.

Its reactions to orders, logins, events, referrals, campaign reviews, KOC status changes and
merges are in ``handlers``, connected by koc/wiring.py.
"""
