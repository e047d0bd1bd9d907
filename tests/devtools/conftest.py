from tests.security.conftest import endpoint  # noqa: F401 - a fixture
