async def test_health_and_ready(http):
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    assert (await http.get("/readyz")).json() == {"status": "ok"}


async def test_anonymous_me_is_null(anon_client):
    data = await anon_client.execute("{ me { id } }")
    assert data == {"me": None}
