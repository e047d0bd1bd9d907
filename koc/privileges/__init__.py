"""Privileges (专属特权): exclusive rights granted by eligibility, redeemed online or at a counter.

Its reactions to role, stage, tag, badge and merge changes are in ``handlers``, connected by
koc/wiring.py, so automatic grants follow eligibility.
"""
