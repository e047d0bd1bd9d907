"""Privileges (专属特权): exclusive rights granted by eligibility, redeemed online or at a counter.

Importing the feature connects its reactions to role, stage, tag, badge and merge changes (see
``handlers``), so automatic grants follow eligibility whatever part of it a caller uses.
"""

from koc.privileges import handlers as handlers
