"""Every area's models, imported in one place so Alembic and the test schema see all tables."""
from .auth.models import Invitation, User, UserInterest  # noqa: F401
from .forum.models import Category, Post, PostLike, PostRevision, Tag, Thread, ThreadFollow  # noqa: F401
from .moderation.models import AuditEntry, Flag  # noqa: F401
from .notifications.models import Notification  # noqa: F401
from .settings import Setting  # noqa: F401
from .search.models import OutboxEntry, SavedSearch  # noqa: F401
from .chat.models import Message, MessageRevision, Room, RoomMember  # noqa: F401
from .ideas.models import RequestStatusChange, Vote  # noqa: F401
from .hosting.models import FloorMark, Introduction, MemberNote, Welcome  # noqa: F401
from .jobs.models import Job  # noqa: F401
