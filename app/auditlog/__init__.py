"""The audit log as people read it: the admin's page, its CSV and the Chinese sentences.

Kept apart from app.audit (the model and `record`, which every domain imports) because reading an
entry back needs every domain's labels: this package sits above the domains, app.audit below them."""
