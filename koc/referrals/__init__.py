"""Referrals (转介绍): codes, binding, attribution, rewards, points, fraud review, reports.

Importing the feature connects its reactions to orders, refunds, events and merges (see
``handlers``): whatever part of it a caller uses, referrals are attributed.
"""

from koc.referrals import handlers as handlers
