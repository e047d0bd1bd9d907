"""An operation still running after KOC_EXECUTION_TIMEOUT_SECONDS is stopped."""

from koc.auth.models import StaffRole


async def test_an_operation_over_the_time_limit_is_stopped_with_503(endpoint) -> None:
    # given a limit far shorter than one database round trip
    api = endpoint(execution_timeout_seconds=0.000001)
    staff = await api.staff(StaffRole.ANALYST)

    # when staff list members
    response = await staff.post("{ members(first: 10) { totalCount } }")

    # then the operation is stopped and said to be
    assert response.status_code == 503
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert "did not finish within 1e-06 s" in error["message"]


async def test_the_default_limit_lets_ordinary_operations_finish(staff_client) -> None:
    staff = await staff_client(StaffRole.ANALYST)
    data = await staff.execute("{ members(first: 10) { totalCount } }")
    assert data["members"]["totalCount"] == 0
