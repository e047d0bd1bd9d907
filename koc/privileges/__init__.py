"""Privileges (专属特权): exclusive rights granted by eligibility, redeemed online or at a counter."""
