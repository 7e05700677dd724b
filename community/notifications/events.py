"""The /live namespace: a member's notification bell, the threads they have open, and staff's floor."""
from flask_login import current_user
from flask_socketio import Namespace, emit, join_room, leave_room

from .. import permissions, realtime
from ..auth.models import User
from ..errors import Invalid, NotFound
from ..extensions import db
from ..forum.models import Thread
from ..sockets import refuse_anonymous, socket_event
from .actions import unread_count


def _thread_id(data):
    if not isinstance(data, dict) or not isinstance(data.get("thread_id"), int) or isinstance(data["thread_id"], bool):
        raise Invalid("Send {thread_id: <number>}.")
    return data["thread_id"]


def _reader():
    """The signed-in member read afresh, not from the socket's remembered row (sockets.USER_RECHECK_SECONDS):
    joining a room is authorised once, so a role taken away a moment ago on another process must count."""
    return db.session.get(User, current_user.id, populate_existing=True)


class LiveNamespace(Namespace):
    def on_connect(self, auth=None):
        refuse_anonymous()
        join_room(realtime.user_room(current_user.id))
        emit("notification_count", {"unread": unread_count(current_user.id)})

    @socket_event
    def on_watch_thread(self, data):
        """Join the thread's rooms of every audience the reader belongs to (staff also hear a staff-only thread)."""
        thread = db.session.get(Thread, _thread_id(data))
        reader = _reader()
        if thread is None or reader is None or not permissions.can_view_thread(reader, thread):
            raise NotFound("No such thread.")
        for audience in permissions.thread_audiences_of(reader):
            join_room(realtime.thread_room(thread.id, audience))
        return {"ok": True}

    @socket_event
    def on_unwatch_thread(self, data):
        thread_id = _thread_id(data)
        for audience in permissions.THREAD_AUDIENCES:
            leave_room(realtime.thread_room(thread_id, audience))
        return {"ok": True}

    @socket_event
    def on_watch_floor(self, data=None):
        """Staff with the floor open hear when items join or leave it; members are refused."""
        permissions.require(permissions.can_view_floor(_reader()), "Only staff watch the floor.")
        join_room(realtime.FLOOR_ROOM)
        return {"ok": True}
