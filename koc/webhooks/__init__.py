"""Events out: the events feed partners pull and the signed webhooks koc pushes to them.

The events themselves are koc.events (typed, written to the outbox in the transaction of their
change); this feature reads the outbox for readers outside koc: what each may see of a member
(``render``), the feed (``feed``), webhook subscriptions and their deliveries.
"""
