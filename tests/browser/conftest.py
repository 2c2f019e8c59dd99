from tests.console.conftest import _fast_commits  # noqa: F401
