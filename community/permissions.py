"""Every can_* rule in one place: used by actions, views, socket handlers and templates.

Roles are tested here and nowhere else.
"""
from functools import wraps

from flask import abort
from flask_login import current_user

from .errors import NotAllowed

STAFF_ROLES = frozenset({"facilitator", "product_manager", "admin"})
MODERATOR_ROLES = frozenset({"facilitator", "admin"})


def _signed_in(user):
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def customers_only(role_column):
    """SQL condition on a role column: ordinary members (the brand's customers), not staff."""
    return role_column == "member"


def admins_only(role_column):
    """SQL condition on a role column: admins."""
    return role_column.in_(("admin",))


def is_staff(user):
    """Brand staff: their posts carry a badge and they see staff-only places."""
    return _signed_in(user) and user.role in STAFF_ROLES


def is_moderator(user):
    """Facilitators and admins walk the room: moderation, notes, introductions."""
    return _signed_in(user) and user.role in MODERATOR_ROLES


def is_admin(user):
    return _signed_in(user) and user.role == "admin"


def is_product_manager(user):
    return _signed_in(user) and user.role in ("product_manager", "admin")


# --- people -----------------------------------------------------------------

def can_invite(user):
    return is_moderator(user)


def can_change_role(user):
    return is_admin(user)


def can_suspend(user):
    return is_admin(user)


def can_silence(user):
    return is_moderator(user)


def can_see_member_notes(user):
    return is_staff(user)


def can_write_member_notes(user):
    return is_moderator(user)


def can_edit_profile(user, profile_user):
    return _signed_in(user) and (user.id == profile_user.id or is_admin(user))


# --- forum ------------------------------------------------------------------

def can_view_category(user, category):
    return not category.staff_only or is_staff(user)


def _thread_is_open(thread):
    """Not deleted, and its opening post published: readable by whoever may see its category."""
    if thread.deleted_at is not None:
        return False
    opening = thread.opening_post
    return opening is None or opening.state == "published"


def can_view_thread(user, thread):
    if not can_view_category(user, thread.category):
        return False
    if is_moderator(user):
        return True
    if _thread_is_open(thread):
        return True
    # A thread whose opening post awaits review (or was hidden) is its author's alone until published.
    return thread.deleted_at is None and _signed_in(user) and thread.author_id == user.id


def may_share_stored_thread_page(deleted_at, redirect_to_id, staff_only):
    """Whether a stored rendering of a thread page may be handed to visitors, from the thread's row alone.

    Deleted, moved and staff-only threads always take the full path, which answers 404 or redirects. A thread
    whose opening post is held or hidden answers visitors 404 on that path too, and a 404 is never stored."""
    return deleted_at is None and redirect_to_id is None and not staff_only


def may_share_stored_thread_page_with(user, deleted_at, redirect_to_id, staff_only):
    """Whether a member may be given a thread page rendered for another member of their role, from the thread's
    row alone. Deleted and moved threads take the full path (it answers 404 or redirects); a thread whose opening
    post awaits review answers 404 to members there, and a 404 is never stored."""
    return deleted_at is None and redirect_to_id is None and (not staff_only or is_staff(user))


THREAD_AUDIENCES = ("members", "staff", "moderators")  # each admits fewer people than the one before


def thread_audience(thread):
    """Who may read the thread as it stands now: "members" (everyone), "staff" (a staff-only category) or
    "moderators" (deleted, or its opening post held, hidden or rejected; its author aside).

    Live updates of a thread go only to the audience it has now, whoever opened it earlier."""
    if not _thread_is_open(thread):
        return "moderators"
    return "members" if can_view_category(None, thread.category) else "staff"


def thread_audiences_of(user):
    """The audiences a reader belongs to (the wider ones included): which live rooms of a thread they hear."""
    if is_moderator(user):
        return THREAD_AUDIENCES
    return THREAD_AUDIENCES[:2] if is_staff(user) else THREAD_AUDIENCES[:1]


def can_start_thread(user, category):
    if not _signed_in(user) or not can_view_category(user, category):
        return False
    if category.read_only and not is_staff(user):
        return False
    return not user.is_silenced()


def can_reply(user, thread):
    if not _signed_in(user) or not can_view_thread(user, thread) or thread.deleted_at is not None:
        return False
    if thread.is_closed() and not is_moderator(user):
        return False
    return not user.is_silenced()


def can_view_post(user, post):
    """Published posts are public; held, hidden or deleted ones only to their author and moderators."""
    if post.is_visible:
        return True
    if is_moderator(user):
        return True
    own = _signed_in(user) and post.author_id == user.id
    return own and post.deleted_at is None


def can_edit_post(user, post):
    if not _signed_in(user) or post.deleted_at is not None:
        return False
    if is_moderator(user):
        return True
    return post.author_id == user.id and not user.is_silenced() and post.state != "rejected"


def can_delete_post(user, post):
    if not _signed_in(user) or post.deleted_at is not None:
        return False
    return post.author_id == user.id or is_moderator(user)


def can_restore_post(user, post):
    return post.deleted_at is not None and is_moderator(user)


def can_view_revisions(user, post):
    return _signed_in(user) and (post.author_id == user.id or is_staff(user))


def can_like(user, post):
    return _signed_in(user) and post.is_visible and post.author_id != user.id


def can_follow(user, thread):
    return _signed_in(user) and can_view_thread(user, thread)


def can_moderate(user):
    """Gentle moderation of threads and posts: move, lock, pin, hide, approve held posts."""
    return is_moderator(user)


def can_flag(user, post):
    """Members flag others' visible posts; one flag each is enforced by the action."""
    return _signed_in(user) and post.is_visible and post.author_id != user.id


def can_request_review(user, post):
    """The author of a hidden post may ask for another look (it joins the review queue)."""
    return (_signed_in(user) and post.author_id == user.id and post.state == "hidden"
            and post.deleted_at is None and not user.is_silenced())


def can_view_own_moderation_history(user):
    return _signed_in(user)


def can_view_audit_log(user):
    return is_staff(user)


def can_edit_settings(user):
    return is_admin(user)


def can_manage_deliveries(user):
    """See the emails and notifications the job worker gave up on, and retry or dismiss them."""
    return is_admin(user)


# --- hosting (the floor) ----------------------------------------------------

def can_view_floor(user):
    """Facilitators and admins host from the floor; product managers may look."""
    return is_staff(user)


def can_mark_handled(user):
    return is_moderator(user)


def can_introduce_members(user):
    return is_moderator(user)


def can_welcome_members(user):
    return is_moderator(user)


def can_check_post(user):
    """The composer's no-hard-sell and spotlight check, for anyone whose posts carry the staff badge."""
    return is_staff(user)


# --- product ----------------------------------------------------------------

def can_vote(user, thread):
    return _signed_in(user) and thread.is_feature_request and can_view_thread(user, thread)


def can_mark_feature_request(user, thread):
    return _signed_in(user) and (thread.author_id == user.id or is_staff(user))


def can_unmark_feature_request(user, thread):
    """Staff, or the author while no one else has voted: other members' votes must not drop off the board."""
    if is_staff(user):
        return True
    return _signed_in(user) and thread.author_id == user.id and thread.vote_count <= 1


def can_set_request_status(user):
    return is_product_manager(user)


def can_merge_requests(user):
    return is_staff(user)


def can_export(user):
    return is_staff(user)


def can_save_searches(user):
    return _signed_in(user)


def can_view_insights(user):
    return is_staff(user)


# --- chat -------------------------------------------------------------------

def can_view_room(user, room):
    """Open and archived public rooms for every member; proposals for their proposer and
    facilitators; a direct conversation for its two people only."""
    if not _signed_in(user):
        return False
    if room.kind == "direct":
        return room.direct_key is not None and str(user.id) in room.direct_key.split(":")
    if room.state in ("open", "archived"):
        return True
    return room.created_by_id == user.id or is_moderator(user)


def can_invite_to_room(user, room, invitee):
    """Anyone in an open public room may invite another member to it."""
    return (_signed_in(user) and room.kind == "public" and room.state == "open" and can_view_room(user, room)
            and invitee.id != user.id and invitee.is_active and not user.is_silenced())


def can_post_in_room(user, room, membership=None):
    if not can_view_room(user, room) or room.state != "open" or user.is_silenced():
        return False
    if is_moderator(user) and room.kind == "public":
        return True
    if room.locked:
        return False
    return membership is None or not membership.is_muted()


def can_edit_message(user, message):
    return (_signed_in(user) and message.author_id == user.id and message.deleted_at is None
            and message.room.state == "open" and not user.is_silenced())


def can_delete_message(user, message):
    """Authors delete their own; facilitators delete any message in a public room (with a reason)."""
    if not _signed_in(user) or message.deleted_at is not None:
        return False
    if message.author_id == user.id:
        return True
    return is_moderator(user) and message.room.kind == "public"


def can_create_room(user):
    return is_moderator(user)


def can_manage_room(user, room):
    """Rename, archive, lock, slow mode and mute: facilitators, in public rooms."""
    return is_moderator(user) and room.kind == "public"


def can_propose_room(user):
    return _signed_in(user) and not user.is_silenced()


def can_decide_room_proposal(user, room):
    return is_moderator(user) and room.kind == "public" and room.state == "proposed"


def can_open_direct(user, first, second):
    """A member starts a conversation with someone else; a facilitator may introduce two members."""
    if not _signed_in(user) or first.id == second.id or not first.is_active or not second.is_active:
        return False
    if is_moderator(user):
        return True
    return user.id in (first.id, second.id) and not user.is_silenced()


# --- helpers for actions and views -----------------------------------------

def require(allowed, message="You are not allowed to do that."):
    """Raise NotAllowed unless allowed is true: actions call this with a can_* result."""
    if not allowed:
        raise NotAllowed(message)


def staff_required(view):
    """View decorator for staff pages: anonymous users go to login, members get 403."""
    return _role_required(view, is_staff)


def moderator_required(view):
    return _role_required(view, is_moderator)


def admin_required(view):
    return _role_required(view, is_admin)


def product_manager_required(view):
    return _role_required(view, is_product_manager)


def _role_required(view, rule):
    from .extensions import login_manager

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not rule(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class TemplateRules:
    """Exposed to templates as `can`: {% if can.edit_post(current_user, post) %}."""

    def __getattr__(self, name):
        rule = globals().get(name if name.startswith("is_") else "can_" + name)
        if not callable(rule):
            raise AttributeError(name)
        return rule


template_rules = TemplateRules()
