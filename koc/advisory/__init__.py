"""One-to-one advisory: owner advisors, the pool, handovers and follow-ups."""

# Connect the hook handlers when the feature is imported (as the badges feature does).
from koc.advisory import handlers as handlers
