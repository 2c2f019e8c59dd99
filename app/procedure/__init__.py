"""The Legal Aid Law's procedure (中华人民共和国法律援助法, 2022): eligibility screen with its basis,
working-day clocks, the one-time notice of missing materials, decisions with reasons by article,
先行提供, termination (Art. 48), objections to the justice bureau (Art. 49) and the written
decisions (letters, PDF).

Modules by concern: `workdays`, `eligibility`, `law` are pure (no database); `screen` (the screen on
the application), `clocks` (the statutory dates), `notices` (一次性告知), `decisions`, `objections`,
`letters` (wording, numbering, PDF, storage), `scan` (the periodic scan), `cases` (desk access),
`detail` (the procedure's part of an application's detail). `flows` holds the changes that cross
domains, one function per flow; `routes`/`console` (the API and the pages) call them. `plugin.init_app`
registers what this package adds to the domains below it (called by the app factory).

Imports go one way: this package imports applications, documents, visits, notifications, alerts and
audit; none of them imports it."""
