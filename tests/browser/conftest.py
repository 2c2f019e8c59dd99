from tests.support import _fast_commits  # noqa: F401
