"""All models, imported once so Alembic and the app see the whole schema."""
from app.applications.models import Application, ApplicationEvent  # noqa: F401
from app.audit import AuditLog  # noqa: F401
from app.auth.models import AuthToken, Citizen, StaffUser  # noqa: F401
from app.common.idempotency import IdempotencyRecord  # noqa: F401
from app.documents.models import Document  # noqa: F401
from app.notifications.models import Notification  # noqa: F401
from app.ratings.models import CallbackTask, Rating  # noqa: F401
