"""A feature demo seeder that fails, to see seed-demo report it."""

from __future__ import annotations

import random


async def seed(rng: random.Random) -> str:
    raise RuntimeError("this seeder is broken on purpose")
