from tests.support import _fast_commits, fast_argon2, staff  # noqa: F401
