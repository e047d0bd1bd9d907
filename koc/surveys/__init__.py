"""Surveys: category-expansion questionnaires and buyer interviews (拓展品类)."""
