"""Every model, imported in one place so the metadata (and Alembic) sees them all."""
from coalition.audit.models import AuditEntry  # noqa: F401
from coalition.auth.models import ApiToken, Invitation, User  # noqa: F401
from coalition.dashboards.models import DataVersion  # noqa: F401
from coalition.deliverables.models import Deliverable, DeliverableUpdate, Milestone  # noqa: F401
from coalition.groups.models import GroupMembership, WorkingGroup  # noqa: F401
from coalition.idempotency import IdempotencyKey  # noqa: F401
from coalition.imports.models import PendingImport  # noqa: F401
from coalition.institutions.models import Institution  # noqa: F401
from coalition.meetings.models import (  # noqa: F401
    ActionItem, Attendance, Decision, Meeting, MinutesRevision)
from coalition.notifications.models import OutboxMessage  # noqa: F401
from coalition.consultations.models import (  # noqa: F401
    Answer, Choice, Coding, Comment, Consultation, ConsultationRecommendation, Contribution, Question, Theme)
from coalition.recommendations.models import (  # noqa: F401
    Recommendation, RecommendationDeliverable, RecommendationRevision, RecommendationSplit, SourceContribution,
    SourceTheme)
from coalition.policy.models import (  # noqa: F401
    Engagement, EngagementInstitution, Follow, FollowUp, Instrument, InstrumentStage, PolicyEvent, Uptake)
from coalition.states.models import StateLiaison  # noqa: F401
