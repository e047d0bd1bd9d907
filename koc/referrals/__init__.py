"""Referrals (转介绍): codes, binding, attribution, rewards, points, fraud review, reports."""
