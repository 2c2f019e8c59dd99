from tests.support import fast_argon2, staff  # noqa: F401
from tests.support import hotline_staff  # noqa: F401  (role -> {"id", "headers"})
