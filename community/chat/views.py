"""Chat pages: room list, a room, direct conversations, history as JSON, facilitator tools."""
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import permissions
from ..auth.models import User
from ..errors import CommunityError, Invalid
from ..extensions import db, limiter
from . import actions, queries, rooms
from .forms import DecisionForm, DirectForm, MessageForm, MuteForm, ReasonForm, RoomForm, SlowModeForm
from .models import Message, Room

bp = Blueprint("chat", __name__, url_prefix="/chat")


def _visible_room(room_id):
    room = db.session.get(Room, room_id)
    if room is None or not permissions.can_view_room(current_user, room):
        abort(404)
    return room


def _member(username):
    user = db.session.scalar(select(User).where(User.username_lower == (username or "").strip().lower()))
    if user is None:
        raise Invalid("No member has that name.", field="username")
    return user


@bp.route("/")
@login_required
def index():
    return render_template(
        "chat/index.html",
        rooms=queries.public_rooms(current_user),
        proposals=queries.public_rooms(current_user, state="proposed"),
        archived=queries.public_rooms(current_user, state="archived"),
        form=RoomForm(), decision=DecisionForm(),
    )


@bp.route("/rooms", methods=["POST"])
@login_required
def create_room():
    form = RoomForm()
    propose = not permissions.can_create_room(current_user)
    if form.validate_on_submit():
        try:
            make = rooms.propose_room if propose else rooms.create_room
            room = make(current_user, form.name.data, form.topic.data)
        except Invalid as error:
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            if propose:
                flash("Thanks! A facilitator will look at your room proposal.", "success")
                return redirect(url_for("chat.index"))
            return redirect(url_for("chat.room", room_id=room.id))
    return render_template("chat/index.html", rooms=queries.public_rooms(current_user),
                           proposals=queries.public_rooms(current_user, state="proposed"),
                           archived=queries.public_rooms(current_user, state="archived"),
                           form=form, decision=DecisionForm()), 400


@bp.route("/rooms/<int:room_id>/decide", methods=["POST"])
@login_required
def decide(room_id):
    room = _visible_room(room_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    rooms.decide_room_proposal(current_user, room, approve, form.note.data)
    flash(f"Room “{room.name}” {'approved' if approve else 'declined'}.", "success")
    return redirect(url_for("chat.index"))


@bp.route("/<int:room_id>")
@login_required
def room(room_id):
    room = _visible_room(room_id)
    return _render_room(room, MessageForm())


def _render_room(room, form, status=200):
    member = actions.enter_room(current_user, room)
    if member is not None:
        actions.mark_read(current_user, room, room.last_seq)  # the page opens at the newest message
    page = current_app.config["CHAT_HISTORY_PAGE"]
    messages = queries.latest_messages(room, page)
    return render_template(
        "chat/room.html", room=room, title=queries.room_title(room, current_user), messages=messages,
        member=member, form=form, can_post=permissions.can_post_in_room(current_user, room, member),
        refusal=None if permissions.can_post_in_room(current_user, room, member)
        else actions.write_refusal(current_user, room, member),
        rename=RoomForm(obj=room), slow=SlowModeForm(seconds=room.slow_mode_seconds), mute=MuteForm(minutes=60),
        reason=ReasonForm(), message_max=current_app.config["CHAT_MESSAGE_MAX"],
        members=queries.room_members(room) if room.kind == "direct" else [],
    ), status


@bp.route("/<int:room_id>/send", methods=["POST"])
@login_required
def send(room_id):
    """The composer without JavaScript: post, then back to the room at the new message."""
    room = _visible_room(room_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            message = actions.post_message(current_user, room, form.body.data, override=form.override.data)
        except CommunityError as error:
            form.body.errors.append(error.message)
        else:
            return redirect(url_for("chat.room", room_id=room.id) + f"#m-{message.payload['seq']}")
    return _render_room(room, form, 400)


@bp.route("/<int:room_id>/messages")
@login_required
def history(room_id):
    """JSON pages of history: ?before=<seq> scrolls back, ?since=<seq> catches up."""
    room = _visible_room(room_id)
    limit = current_app.config["CHAT_HISTORY_PAGE"]
    before = request.args.get("before", type=int)
    since = request.args.get("since", type=int)
    if since is not None:
        return jsonify(queries.catch_up(room, max(since, 0), request.args.get("since_change", type=int),
                                        current_app.config["CHAT_SYNC_MAX"]))
    rows = queries.messages_before(room, before, limit) if before else queries.latest_messages(room, limit)
    return jsonify({"messages": [queries.message_payload(m) for m in rows],
                    "has_older": bool(rows) and rows[0].seq > 1})


@bp.route("/<int:room_id>/messages/<int:message_id>/delete", methods=["POST"])
@login_required
def delete_message(room_id, message_id):
    room = _visible_room(room_id)
    message = db.session.get(Message, message_id)
    if message is None or message.room_id != room.id:
        abort(404)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        actions.delete_message(current_user, message, form.reason.data)
    except CommunityError as error:
        flash(error.message, "error")
    return redirect(url_for("chat.room", room_id=room.id) + f"#m-{message.seq}")


@bp.route("/<int:room_id>/manage/<what>", methods=["POST"])
@login_required
def manage(room_id, what):
    """Facilitator tools: rename, lock, unlock, slow mode, archive, mute."""
    room = _visible_room(room_id)
    permissions.require(permissions.can_manage_room(current_user, room), "Only facilitators manage rooms.")
    if what not in ("rename", "lock", "unlock", "slow", "archive", "mute"):
        abort(404)
    form = {"rename": RoomForm, "slow": SlowModeForm, "mute": MuteForm}.get(what, ReasonForm)()
    if not form.validate_on_submit():
        flash("That change was not made: " + "; ".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for("chat.room", room_id=room.id))
    try:
        if what == "rename":
            rooms.rename_room(current_user, room, form.name.data, form.topic.data)
        elif what in ("lock", "unlock"):
            rooms.set_room_locked(current_user, room, what == "lock", form.reason.data)
        elif what == "slow":
            rooms.set_slow_mode(current_user, room, form.seconds.data)
        elif what == "archive":
            rooms.archive_room(current_user, room, form.reason.data)
        else:
            rooms.mute_member(current_user, room, _member(form.username.data), form.minutes.data, form.reason.data)
    except Invalid as error:
        flash(error.message, "error")
        return redirect(url_for("chat.room", room_id=room.id))
    flash("Room updated.", "success")
    return redirect(url_for("chat.room", room_id=room.id))


@bp.route("/direct", methods=["GET", "POST"])
@login_required
def direct():
    """Direct conversations, and a form to start one with a member by name."""
    form = DirectForm()
    if form.validate_on_submit():
        try:
            room = actions.open_direct_conversation(current_user, _member(form.username.data))
        except CommunityError as error:
            form.username.errors.append(error.message)
        else:
            return redirect(url_for("chat.room", room_id=room.id))
    return render_template("chat/direct.html", conversations=queries.direct_conversations(current_user),
                           form=form), 400 if form.errors else 200


@bp.route("/direct/<username>", methods=["POST"])
@login_required
def start_direct(username):
    """The Message button on a profile: open (or reopen) the conversation with that member."""
    other = db.session.scalar(select(User).where(User.username_lower == username.lower()))
    if other is None:
        abort(404)
    if not ReasonForm().validate_on_submit():  # the CSRF token
        abort(400)
    room = actions.open_direct_conversation(current_user, other)
    return redirect(url_for("chat.room", room_id=room.id))


@bp.route("/<int:room_id>/invite", methods=["POST"])
@login_required
@limiter.limit("30 per hour")
def invite(room_id):
    room = _visible_room(room_id)
    if not ReasonForm().validate_on_submit():  # the CSRF token
        abort(400)
    try:
        invitee = _member(request.form.get("username"))
        rooms.invite_to_room(current_user, room, invitee)
    except Invalid as error:
        flash(error.message, "error")
    else:
        flash(f"Invited {invitee.name}.", "success")
    return redirect(url_for("chat.room", room_id=room.id))
