from tests.support import fast_argon2, hotline_staff as staff  # noqa: F401  (role -> {"id", "staff_no", "headers"})
