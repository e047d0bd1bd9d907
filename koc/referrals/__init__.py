"""Referrals (转介绍): codes, binding, attribution, rewards, points, fraud review, reports.

Its reactions to orders, refunds, events and merges are in ``handlers`` and ``rollup``,
connected by koc/wiring.py.
"""
