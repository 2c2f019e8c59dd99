"""All models, imported once so Alembic and the app see the whole schema."""
from app.centres.models import Centre  # noqa: F401
from app.alerts.models import Alert  # noqa: F401
from app.consultations.rollup_models import ROLLUPS  # noqa: F401
from app.applications.models import Application, ApplicationEvent  # noqa: F401
from app.audit import AuditLog  # noqa: F401
from app.auth.models import AuthToken, Citizen, StaffUser  # noqa: F401
from app.auth.consents import CitizenConsent  # noqa: F401
from app.callbacks.models import CallbackAttempt, CallbackTask  # noqa: F401
from app.visits.models import HomeVisit  # noqa: F401
from app.common.idempotency import IdempotencyRecord  # noqa: F401
from app.console.models import ConsoleSession  # noqa: F401
from app.consultations.models import CallImport, Consultation, RepeatCallerEpisode  # noqa: F401
from app.documents.models import Document  # noqa: F401
from app.notifications.models import Notification  # noqa: F401
from app.ratings.models import Rating  # noqa: F401
from app.supervision.models import Review, SampleBatch  # noqa: F401
from app.procedure.models import ApplicationProcedure, Letter, LetterCounter, Objection, SupplementNotice  # noqa: F401
from app.tasks import PeriodicRun  # noqa: F401
from app.handling.models import Archive, ClosingFile, ClosingReview, LawyerChange, TerminationReport  # noqa: F401
from app.subsidy.models import Subsidy, SubsidyBatch  # noqa: F401
from app.telephony.models import AgentState, CallerFlag, CallEvent, LiveCall, WebhookReceipt  # noqa: F401
