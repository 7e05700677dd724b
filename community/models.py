"""Every area's models, imported in one place so Alembic and the test schema see all tables."""
from .auth.models import Invitation, User, UserInterest  # noqa: F401
from .forum.models import Category, Post, PostLike, PostRevision, Tag, Thread, ThreadFollow  # noqa: F401
from .moderation.models import AuditEntry  # noqa: F401
