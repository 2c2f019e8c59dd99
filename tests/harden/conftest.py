from tests.console.support import fast_argon2, staff  # noqa: F401
from tests.hotline.conftest import staff as hotline_staff  # noqa: F401  (role -> {"id", "headers"})
