"""Every staff endpoint and staff socket event refuses anonymous visitors and members, and changes nothing.

The staff endpoints are read from the app's URL map: every endpoint not declared member-facing below is
treated as staff-only, so a new staff route without a guard fails here until it refuses members.
"""
import pytest
from sqlalchemy import select

from community.extensions import db as _db
from community.extensions import socketio

from .conftest import csrf_token

# Endpoints anonymous visitors or members may use (their own content, reading, joining, signing in).
MEMBER_ENDPOINTS = {
    "static",
    "auth.change_password", "auth.edit_profile", "auth.login", "auth.logout", "auth.me", "auth.members",
    "auth.devices", "auth.sign_out_device", "auth.sign_out_everywhere",
    "auth.profile", "auth.register", "auth.forgot_password", "auth.reset_requested", "auth.reset_password",
    "chat.create_room", "chat.delete_message", "chat.direct", "chat.history", "chat.index", "chat.room",
    "chat.start_direct", "chat.invite",
    "chat.send",
    "forum.categories", "forum.category", "forum.category_styles", "forum.delete", "forum.edit", "forum.follow",
    "forum.index", "forum.like", "forum.new_thread", "forum.post_link", "forum.quote", "forum.reply",
    "forum.revisions", "forum.tag", "forum.thread",
    "ideas.board", "ideas.mark", "ideas.similar", "ideas.vote",
    "invitations.accept",
    "moderation.flag", "moderation.my_history", "moderation.request_review",
    "notifications.index", "notifications.mark_read", "notifications.open_notification",
    "search.api_search", "search.delete", "search.index", "search.save", "search.saved_list",
    "health.healthz",  # load balancers and monitors, signed in or not
}

# Socket.IO events: the ones members use, and the staff powers (with a payload naming someone else's object).
MEMBER_SOCKET_EVENTS = {
    "/chat": {"connect", "disconnect", "join", "leave", "send", "edit", "sync", "history", "typing", "read"},
    "/live": {"connect", "disconnect", "watch_thread", "unwatch_thread"},
}
STAFF_SOCKET_EVENTS = {
    "/chat": {"delete": lambda w: {"message_id": w["message"].id, "reason": "matrix"}},
    "/live": {"watch_floor": lambda w: {}},
}

# Form fields a staff form might want, so a view without a guard would really act (and be caught).
FORM_DATA = {
    "reason": "permission matrix", "note": "permission matrix", "body": "Permission matrix body text.",
    "title": "Permission matrix title", "value": "on", "decision": "approve", "hours": "1", "seconds": "60",
    "minutes": "5", "when": "0", "text": "matrix", "name": "Matrix room", "topic": "matrix",
    "status": "planned", "emails": "matrix@example.com", "role": "admin", "username": "otto",
}
IGNORED_COLUMNS = {("users", "last_seen_at"), ("member_sessions", "last_used_at")}


@pytest.fixture
def world(app, make_member, make_category, make_thread, member, facilitator, admin, product_manager):
    """One of everything a staff URL can point at, owned by a member who is not the one testing."""
    from community.chat.actions import post_message
    from community.chat.rooms import create_room, propose_room
    from community.forum.actions import create_post

    otto = make_member("otto")
    category = make_category("Matrix category")
    thread = make_thread(author=otto, category=category, title="Matrix thread one")
    other = make_thread(author=otto, category=category, title="Matrix thread two")
    reply = create_post(otto, thread, "A reply by otto that someone might moderate.")
    room = create_room(facilitator, "Matrix room open", "open room")
    proposal = propose_room(member, "Matrix proposal", "proposed by maria")
    message = post_message(otto, room, "A chat message by otto.")
    failed_job = _failed_job()
    return {
        "otto": otto, "category": category, "thread": thread, "other": other, "reply": reply, "room": room,
        "proposal": proposal, "message": message, "member": member, "failed_job": failed_job,
    }


def _failed_job():
    """A delivery the job worker gave up on, for the failed-deliveries page to offer a retry of."""
    from community.database import utcnow
    from community.jobs.models import Job

    now = utcnow()
    job = Job(kind="mail.password_changed", payload={"user_id": 0, "to": "matrix@example.com", "reset_url": "/"},
              state="failed", attempts=8, run_after=now, created_at=now, failed_at=now,
              last_error="ConnectionRefusedError: [Errno 111] Connection refused")
    _db.session.add(job)
    _db.session.commit()
    return job


def _arg_values(world, endpoint):
    values = {
        "thread_id": world["thread"].id, "post_id": world["reply"].id, "user_id": world["otto"].id,
        "username": world["otto"].username, "room_id": world["room"].id, "message_id": world["message"].id,
        "what": "lock", "slug": world["category"].slug, "job_id": world["failed_job"].id,
    }
    if endpoint == "chat.decide":
        values["room_id"] = world["proposal"].id
    return values


def staff_requests(app, world):
    """(endpoint, method, url) for every rule of every endpoint not declared member-facing."""
    requests = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in MEMBER_ENDPOINTS:
            continue
        values = _arg_values(world, rule.endpoint)
        missing = [arg for arg in rule.arguments if arg not in values and arg not in (rule.defaults or {})]
        assert not missing, f"{rule.endpoint} ({rule.rule}) needs a value for {missing}: add it to _arg_values"
        with app.test_request_context():
            url = app.url_map.bind("localhost").build(rule.endpoint, {a: values[a] for a in rule.arguments},
                                                      force_external=False)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            requests.append((rule.endpoint, method, url))
    return requests


def snapshot():
    """Every row of every table (but last-seen stamps), to prove a refused request changed nothing."""
    _db.session.expire_all()
    state = {}
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in IGNORED_COLUMNS]
            rows = conn.execute(select(*columns)).all()
            state[table.name] = sorted(repr(tuple(row)) for row in rows)
    return state


def _send(client, method, url, token, world):
    if method == "GET":
        return client.get(url)
    data = dict(FORM_DATA, csrf_token=token, category=str(world["category"].id), target=str(world["other"].id),
                posts=str(world["reply"].id), user_id=str(world["otto"].id))
    return client.open(url, method=method, data=data)


def _refused(response, anonymous):
    if response.status_code in (401, 403):
        return True
    return anonymous and response.status_code in (302, 303) and "/login" in response.headers.get("Location", "")


def test_matrix_covers_every_moderation_and_floor_route(app, world):
    endpoints = {endpoint for endpoint, _, _ in staff_requests(app, world)}
    moderation = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("moderation.")}
    assert moderation - MEMBER_ENDPOINTS <= endpoints
    assert {"moderation.hide", "moderation.suspend", "moderation.audit", "moderation.move"} <= endpoints
    assert {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("hosting.")} <= endpoints


def test_member_endpoint_list_names_only_real_endpoints(app):
    real = {r.endpoint for r in app.url_map.iter_rules()}
    assert MEMBER_ENDPOINTS <= real, f"stale entries: {sorted(MEMBER_ENDPOINTS - real)}"


@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_staff_endpoints_refuse_and_change_nothing(app, world, client, auth, role):
    if role == "member":
        auth.login("maria")
    token = csrf_token(client)
    failures = []
    for endpoint, method, url in staff_requests(app, world):
        before = snapshot()
        response = _send(client, method, url, token, world)
        after = snapshot()
        if not _refused(response, role == "anonymous"):
            failures.append(f"{method} {url} ({endpoint}) answered {response.status_code}")
        changed = [name for name in before if before[name] != after[name]]
        if changed:
            failures.append(f"{method} {url} ({endpoint}) changed {changed}")
    assert not failures, f"{role} was not refused:\n" + "\n".join(failures)


# Staff endpoints that only admins may use: facilitators are refused too.
ADMIN_ENDPOINTS = {"moderation.suspend", "moderation.unsuspend", "auth.change_role", "hosting.settings",
                   "jobs.failed", "jobs.retry", "jobs.retry_all", "jobs.dismiss"}


def test_admin_endpoints_refuse_facilitators(app, world, client, auth):
    auth.login("fran")
    token = csrf_token(client)
    failures = []
    requests = staff_requests(app, world)
    assert ADMIN_ENDPOINTS <= {endpoint for endpoint, _, _ in requests}
    for endpoint, method, url in requests:
        if endpoint not in ADMIN_ENDPOINTS:
            continue
        before = snapshot()
        response = _send(client, method, url, token, world)
        if response.status_code != 403:
            failures.append(f"{method} {url} ({endpoint}) answered {response.status_code}")
        if snapshot() != before:
            failures.append(f"{method} {url} ({endpoint}) changed the database")
    assert not failures, "a facilitator was not refused:\n" + "\n".join(failures)


def test_staff_pages_open_for_an_admin(app, world, client, auth):
    """The control: the same URLs work for staff, so the refusals above are the guards, not bad URLs."""
    auth.login("ada")
    broken = []
    for endpoint, method, url in staff_requests(app, world):
        if method == "GET":
            status = client.get(url).status_code
            if status not in (200, 302):
                broken.append(f"GET {url} ({endpoint}) answered {status}")
    assert not broken, "\n".join(broken)


def _namespace_events():
    """Every on_* handler of every class-based Socket.IO namespace the app registers."""
    events = {}
    for namespace, handler in socketio.server.namespace_handlers.items():
        events[namespace] = {name[3:] for name in dir(handler) if name.startswith("on_") and name != "on_event"}
    return events


def test_every_socket_event_is_classified(app):
    for namespace, events in _namespace_events().items():
        known = MEMBER_SOCKET_EVENTS.get(namespace, set()) | set(STAFF_SOCKET_EVENTS.get(namespace, {}))
        assert events <= known, f"classify {sorted(events - known)} of {namespace} in the permission matrix"


def test_staff_socket_events_refuse_members_with_an_error_event(app, world, socket_client):
    from flask import g

    from .conftest import AuthActions

    http = app.test_client()
    AuthActions(http).login("maria")
    for namespace, events in STAFF_SOCKET_EVENTS.items():
        g.pop("_login_user", None)
        sio = socket_client(namespace, http_client=http)
        assert sio.is_connected(namespace)
        sio.get_received(namespace)
        for event, payload in events.items():
            before = snapshot()
            g.pop("_login_user", None)
            ack = sio.emit(event, payload(world), namespace=namespace, callback=True)
            errors = [e for e in sio.get_received(namespace) if e["name"] == "error"]
            assert ack["ok"] is False and ack["error"]["code"] == "notallowed", (namespace, event, ack)
            assert errors, f"{namespace} {event}: no error event"
            assert snapshot() == before, f"{namespace} {event} changed the database"


def test_anonymous_sockets_are_refused(app, socket_client):
    for namespace in _namespace_events():
        if namespace == "/":
            continue
        sio = socket_client(namespace)
        assert not sio.is_connected(namespace), f"anonymous connection accepted on {namespace}"
