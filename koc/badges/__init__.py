"""Badges (勋章): honour earned by rules or awarded by staff, verifiable offline by QR.

Importing the feature connects its reactions to orders, logins, events, referrals, campaign
reviews, KOC status changes and merges (see ``handlers``).
"""

from koc.badges import handlers as handlers
