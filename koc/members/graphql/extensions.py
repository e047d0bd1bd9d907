"""Fields other features add to the Member type.

Each feature defines a ``@strawberry.type`` mixin whose resolvers use ``self.id`` (the member's
database id) and adds it to this tuple, one import and one entry per feature. Mixin modules must
not import ``koc.members.graphql.types`` at import time (use ``strawberry.lazy`` for Member).
"""

from __future__ import annotations

MEMBER_EXTENSIONS: tuple[type, ...] = ()
