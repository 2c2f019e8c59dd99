from tests.support import fast_argon2, staff  # noqa: F401  (staff includes bureau1, the bureau's reviewer)
