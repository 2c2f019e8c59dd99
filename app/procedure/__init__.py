"""The Legal Aid Law's procedure (中华人民共和国法律援助法, 2022): eligibility screen with its basis,
working-day clocks, the one-time notice of missing materials, decisions with reasons by article,
先行提供, termination (Art. 48), objections to the justice bureau (Art. 49) and the written
decisions (letters, PDF).

Modules: `workdays` and `eligibility` are pure (no database); `letters` renders, numbers and
stores the PDFs; `service` runs the procedure on top of the application state machine;
`routes`/`console` are the API and the console pages. Imports go one way: this package imports
applications, documents, notifications, alerts and audit; none of them imports it (they offer
hooks: the transition signal and the alert scanners)."""
