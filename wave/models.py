"""Imports every model so that metadata (and Alembic) knows all tables."""

from wave.api.models import ApiRequest, ApiToken  # noqa: F401
from wave.auth.models import Team, User, team_members  # noqa: F401
from wave.files.models import Attachment  # noqa: F401
from wave.messenger.models import (  # noqa: F401
    Mention,
    Message,
    MessageAttachment,
    MessageVersion,
    Reaction,
    Thread,
    ThreadMember,
)
from wave.notify.models import (  # noqa: F401
    Notification,
    NotificationPreference,
    OutboundEmail,
    PushRetry,
    PushSubscription,
    ServerKey,
)
from wave.plans.models import Plan  # noqa: F401
from wave.qr.models import Asset, LabelOffset, LabelPrint, Location, QrTag, Site  # noqa: F401
from wave.reference import ReferenceVersion  # noqa: F401
from wave.requests.models import (  # noqa: F401
    Category,
    Lease,
    RequestAttachment,
    RequestEvent,
    ServiceRequest,
    TenantOrg,
    asset_categories,
    chat_categories,
    location_categories,
)
from wave.settings import Setting  # noqa: F401,E402
from wave.sla.models import EscalationRule, Firing, Holiday, SiteCalendar, SlaPolicy  # noqa: F401
