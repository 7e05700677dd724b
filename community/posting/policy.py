"""The posting policy: every path that stores what someone writes checks it here, once, before writing.

Members' forum posts go through community policy (published, held or refused: `automod`); whatever staff write
for members or visitors to read is kept free of selling (`promo`): refused unless the path offers "Send anyway",
and then the choice is logged. The post body is rendered here once and handed back for the caller to store.
"""
from dataclasses import dataclass, field

from .. import permissions
from ..errors import Invalid
from . import automod, promo

REFUSAL = ("This reads as selling ({found}). Edit it, or tick “Send anyway” if it really belongs here "
           "(that choice is logged).")
REFUSAL_WITHOUT_OVERRIDE = ("This reads as selling ({found}). Staff text here stays free of selling: "
                            "please take that out.")


@dataclass
class Checked:
    """What the policy decided about one piece of writing, and its body rendered once for the caller."""

    author: object
    texts: dict
    rendered: object = None  # markup.Rendered of texts["body"], when the caller passed render
    assessment: automod.Assessment = field(default_factory=automod.Assessment)
    findings: list = field(default_factory=list)  # selling language the author chose to send anyway
    spotlight: dict = None  # the staff-heavy thread warning, when posting into one
    override: bool = False

    def record_override(self, target_type, target_id):
        """Log a "send anyway" in the caller's transaction, once what was written has an id to point at."""
        from ..moderation.audit import record_audit

        if not self.override:
            return
        if self.findings:
            excerpt = "\n\n".join(text for text in self.texts.values() if text)[:300]
            record_audit(self.author, "promo_override", target_type, target_id,
                         reason="Sent anyway after the no-hard-sell reminder.",
                         after={"findings": [f.as_dict() for f in self.findings], "excerpt": excerpt})
        if self.spotlight:
            record_audit(self.author, "spotlight_override", target_type, target_id,
                         reason="Posted anyway in a staff-heavy thread.",
                         after={"share": self.spotlight["share"], "max_share": self.spotlight["max_share"]})


def check_text(author, texts, *, render=None, previous=None, thread=None, override=None, community_policy=False,
               reply=False):
    """Check writing before it is stored; raises Invalid (naming the field) or returns a Checked.

    texts maps form fields to what was written ({"title": …, "body": …}); previous maps the same fields to the
    text an edit replaces, so only selling language the edit adds counts. render(body) renders texts["body"]
    once (the caller stores checked.rendered). thread is the thread a new post goes into (for the spotlight
    warning). override is the author's "Send anyway": None where the path offers no such choice (room topics,
    notes, welcomes), so selling language is simply refused there. community_policy runs automod on a member's
    forum post (reply: it answers others, so it may be low-effort; override then holds it instead).
    """
    texts = {name: (text or "") for name, text in texts.items()}
    checked = Checked(author, texts, override=bool(override))
    if render is not None:
        checked.rendered = render(texts["body"])
    if community_policy:
        checked.assessment = automod.assess_post(
            author, texts["body"], html=checked.rendered.html if checked.rendered is not None else None,
            reply=reply, acknowledged_low_effort=bool(override))
    if not permissions.is_staff(author):
        return checked
    found = selling_findings(texts, previous)
    every = [finding for findings in found.values() for finding in findings]
    if every and not override:
        message = REFUSAL if override is not None else REFUSAL_WITHOUT_OVERRIDE
        # Point at the body when it has selling language, else at the first field that has.
        raise Invalid(message.format(found=promo.describe(every)),
                      field="body" if "body" in found else next(iter(found)))
    checked.findings = every
    checked.spotlight = promo.spotlight_warning(author, thread)
    return checked


def selling_findings(texts, previous=None):
    """{field: findings} for the fields with selling language; with previous (an edit), only what it adds."""
    previous = previous or {}
    found = {}
    for name, text in texts.items():
        findings = promo.find_promotional(text or "")
        if findings and name in previous:
            findings = promo.new_findings(findings, previous[name])
        if findings:
            found[name] = findings
    return found
