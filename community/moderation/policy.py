"""Community policy applied to members' posts before they are published (automod).

A post that breaks a rule is held for review, never dropped.
"""
from dataclasses import dataclass, field


@dataclass
class Assessment:
    state: str = "published"  # or "held"
    reason: str = ""
    flags: list = field(default_factory=list)


def assess_post(author, source, thread=None):
    """Decide whether a member's new or edited post is published or held, and why."""
    from ..permissions import is_staff

    if is_staff(author):
        return Assessment()
    return Assessment()
