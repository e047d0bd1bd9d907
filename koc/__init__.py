"""koc: a self-hosted KOC membership and referral program service."""

__version__ = "0.1.0"
