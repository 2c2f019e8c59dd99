"""Role-matrix entries for console pages that other packages add under /console, when they are not
kept next to the owning package's tests. Empty now: the hotline console's entries (issue 5, the
pages of app/analytics/console.py) live in tests/consultations/role_matrix.py, which test_role_matrix
picks up like every `tests/<package>/role_matrix.py` (`console_cases` and `api_cases`).
test_role_matrix fails on any route under its MATRIX_PREFIXES without an entry."""
from __future__ import annotations


def console_cases(Case, builder, staff):  # noqa: N803, ARG001
    return []
