from tests.console.support import fast_argon2, staff  # noqa: F401
