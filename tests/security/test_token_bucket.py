"""The token bucket arithmetic shared by the in-memory and Redis rate limiters."""

from koc.auth.models import StaffRole
from koc.auth.viewer import Anonymous, MemberViewer, PartnerViewer, StaffViewer
from koc.security.ratelimit import Bucket, caller_key

BUCKET = Bucket(capacity=100, refill_per_second=10)


def test_a_request_takes_its_cost_while_there_is_enough() -> None:
    assert BUCKET.take(100, 0, 30) == (True, 70)
    assert BUCKET.take(30, 0, 30) == (True, 0)


def test_a_request_costing_more_than_is_left_is_refused_and_takes_nothing() -> None:
    assert BUCKET.take(20, 0, 30) == (False, 20)


def test_the_bucket_refills_with_time_up_to_its_capacity() -> None:
    assert BUCKET.take(20, 1.0, 30) == (True, 0)  # 20 + 10 x 1 s = 30
    assert BUCKET.take(90, 60.0, 0) == (True, 100)  # never above capacity
    assert BUCKET.take(50, -5.0, 0) == (True, 50)  # a clock going back refills nothing


def test_a_refusal_says_when_to_retry_and_what_is_left() -> None:
    decision = BUCKET.decision(False, 20.5, 30)
    assert decision.allowed is False
    assert decision.retry_after == 1  # 9.5 points at 10 per second: 0.95 s, rounded up
    assert decision.as_extension() == {"limit": 100, "remaining": 20, "resetSeconds": 8}


def test_each_kind_of_caller_has_its_own_bucket_and_staff_none() -> None:
    assert caller_key(MemberViewer(member_id=7), "10.0.0.1") == "member:7"
    assert caller_key(PartnerViewer(token_id=3, name="pos"), "10.0.0.1") == "partner:3"
    assert caller_key(Anonymous(), "10.0.0.1") == "ip:10.0.0.1"
    assert caller_key(StaffViewer(staff_id=1, username="a", role=StaffRole.ADMIN), "x") is None
