"""The demo's chat rooms: a facilitator opens each, regulars talk through the chat actions, then it is dated to
the last day or two, and members' read marks are set so a few recent messages are still new to them."""
import contextlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from ..chat import actions as chat
from ..chat import rooms
from ..chat.models import Message, Room, RoomMember
from ..database import commit
from ..extensions import db
from ..moderation.models import AuditEntry
from ..notifications.models import Notification
from ..urls import path_for

# (name, topic, host facilitator, regulars, exchanges). An exchange is a short conversation: lines of
# (speaker, text), where "A", "B", "C" are regulars drawn for that exchange and "host" is the facilitator;
# {A}, {B} and {C} in a text are the usernames drawn, so @{A} mentions them.
ROOMS = [
    ("Tea & coffee corner", "Brew talk: beans, leaves, grinders, the Kettle Pro and the Brew.", "fran",
     ["brewing_bea", "marco_espresso", "carlos_t", "maria_k", "petra_v", "lena_h"],
     [
         [("A", "Anyone tried the longer bloom on the Brew yet?"),
          ("B", "Yes, 45 seconds instead of 30. Rounder cup, less bitter at the end."),
          ("A", "Trying it tomorrow. Which beans?"),
          ("B", "A washed Ethiopian, fairly light. Darker beans didn't change much.")],
         [("A", "Night shift done. The kettle schedule had water at 80 degrees waiting for me, best feeling."),
          ("B", "Green tea at 80 is exactly right. I do 75 for the first steep."),
          ("host", "Love that the schedule earns its keep on night shifts. @{A} mind if we quote you in the next round-up?"),
          ("A", "Go for it!")],
         [("A", "Hot take: filter coffee is underrated."),
          ("B", "Strong words in this room 😄"),
          ("C", "It's not underrated, it's just not espresso. Different drink."),
          ("A", "Fair. I'll take a good pour-over over a bad espresso any day though.")],
         [("A", "Is anyone else's descale light back on after a week?"),
          ("B", "Mine does that with hard water. Two cycles back to back cleared it for good."),
          ("A", "Thanks, will try two in a row tonight.")],
         [("A", "Grinder question: burr cleaning every week or is that overkill?"),
          ("B", "Every two weeks for me, oily beans more often."),
          ("C", "I just run a handful of rice-free cleaning tablets through once a month, works fine."),
          ("A", "Noted, thank you both.")],
         [("host", "Quick one for the tea people: what temperature presets would you want named in the app?"),
          ("A", "Green 80, oolong 90, black 100. Names would be lovely."),
          ("B", "And one for baby formula at 70, please."),
          ("host", "Passing all of this on to @pat, thank you!")],
     ]),
    ("What's cooking", "AirCrisp timings, recipes and what's on the table tonight.", "felix",
     ["priya_r", "chloe_bakes", "fernando", "emma_cooks", "kwame", "noah_reviews"],
     [
         [("A", "Chickpeas: 190 degrees, 14 minutes, shake twice. Crunchiest yet."),
          ("B", "Oil before or after?"),
          ("A", "A teaspoon before, spices after, otherwise the paprika burns."),
          ("C", "Doing this tonight!")],
         [("A", "Meal prep for the week done: chicken thighs, sweet potato and broccoli, all in the AirCrisp."),
          ("B", "Same basket at once?"),
          ("A", "Both zones, sync finish on. It worked first time, which never happens to me."),
          ("C", "The sync finish is the best update they've shipped.")],
         [("A", "Has anyone baked bread rolls in it?"),
          ("B", "Yes! 160 degrees, 12 minutes, brush with milk. Small rolls only."),
          ("A", "@{B} you're a star, thank you."),
          ("host", "Would one of you write that up in Show & Tell? Others keep asking.")],
         [("A", "Paella in the AirCrisp: attempted. Verdict: surprisingly decent socarrat."),
          ("B", "I need photos or it didn't happen."),
          ("A", "Posting in Show & Tell tonight.")],
         [("A", "Is the basket coating holding up for everyone?"),
          ("B", "Mine's fine after a year, wooden utensils only."),
          ("C", "Mine started flaking at three months; support replaced the basket within a week."),
          ("host", "Glad support sorted it. If it happens to anyone else, post in Product Q&A and tag me.")],
     ]),
    ("Warm homes, lower bills", "Thermostat schedules, heating hacks and keeping warm for less.", "fran",
     ["tomasz", "ingrid_n", "ravi_energy", "oldmanjenkins", "dave_offgrid", "hannah_w", "sofia_g"],
     [
         [("A", "Down 14% on last January with room-by-room schedules. Spreadsheet available on request."),
          ("B", "Of course there's a spreadsheet 😄 Share it!"),
          ("A", "Posting it in Show & Tell this weekend."),
          ("C", "Following. Our bedrooms are overheated every night.")],
         [("A", "OpenTherm wiring: the two thin wires go on the terminals marked OT, polarity doesn't matter."),
          ("B", "Wish I'd known that yesterday. Thanks!"),
          ("A", "And switch the boiler off at the spur first, please.")],
         [("A", "Geofencing triggered away mode while my partner was still home again."),
          ("B", "Add her phone as a second person in the app, then away only fires when you've both left."),
          ("A", "Oh, that's the bit I missed. Thanks."),
          ("host", "Good tip. @{A} if it still misfires after that, tell me and I'll get the team to look at the logs.")],
         [("A", "Holiday flat tip: the Sense sensors plus a 12 degree floor kept the pipes safe all winter."),
          ("B", "What do you set for humidity alerts?"),
          ("A", "70% for more than six hours. Caught a leaky window twice.")],
         [("A", "Battery in the wireless sensor lasted three weeks. Normal?"),
          ("B", "No, mine lasts months. Is it the old firmware?"),
          ("C", "The 3.0.1 update fixed that for me."),
          ("A", "Updating now, will report back.")],
     ]),
]
EXCHANGES_PER_ROOM = (4, 5)


@contextlib.contextmanager
def _flood_limit_lifted():
    """The per-member flood limit counts real seconds; the loader writes two days of chat in one, so it is
    lifted for this process while the demo writes, and put back afterwards."""
    config = current_app.config
    saved = config["CHAT_RATE_LIMIT"]
    config["CHAT_RATE_LIMIT"] = "100000 per 1 second"
    try:
        yield
    finally:
        config["CHAT_RATE_LIMIT"] = saved


def plan_room(rng, regulars, exchanges):
    """The room's conversation as (speaker, cast, text, seconds before now), oldest first: a few exchanges a
    few hours apart, the latest ending minutes ago, each a quick back-and-forth."""
    chosen = rng.sample(exchanges, rng.randint(*EXCHANGES_PER_ROOM))
    planned = []
    end = rng.uniform(4, 40) * 60  # the newest line, this long ago
    for exchange in chosen:  # from the newest exchange back
        gaps = [rng.uniform(25, 420) for _ in exchange[1:]]
        start = end + sum(gaps)
        cast = dict(zip("ABC", rng.sample(regulars, 3)))
        at = start
        for (speaker, text), gap in zip(exchange, [0.0] + gaps):
            at -= gap
            planned.append((speaker, cast, text.format(**cast), at))
        end = start + rng.uniform(1.5, 9) * 3600
    planned.sort(key=lambda line: -line[3])
    return planned


def load_rooms(rng, users, now):
    """Open the demo rooms and write their recent conversations through the chat actions."""
    opened = []
    with _flood_limit_lifted():
        for name, topic, host, regulars, exchanges in ROOMS:
            room = rooms.create_room(users[host], name, topic)
            lines = plan_room(rng, [r for r in regulars if r in users], exchanges)
            for speaker, cast, text, at in lines:
                author = users[host] if speaker == "host" else users[cast[speaker]]
                message = chat.post_message(author, room, text)
                _backdate_message(room, message, now - timedelta(seconds=at))
            _settle_room(rng, room, users, regulars)
            opened.append(room)
    commit()
    return opened


def _backdate_message(room, message, when):
    db.session.execute(update(Message).where(Message.id == message.id).values(created_at=when))
    # A mention told someone at the moment it was written.
    url = path_for("chat.room", room_id=room.id) + f"#m-{message.seq}"
    db.session.execute(update(Notification).where(Notification.url == url).values(created_at=when))


def _settle_room(rng, room, users, regulars):
    """Date the room and its memberships; everyone has read up to their own last message, most a bit further."""
    room = db.session.get(Room, room.id)
    times = dict(db.session.execute(select(Message.seq, Message.created_at).where(Message.room_id == room.id)).all())
    last_seq = max(times)
    room.created_at = times[1] - timedelta(days=rng.uniform(20, 80))
    room.last_message_at = times[last_seq]
    db.session.execute(update(AuditEntry).where(AuditEntry.action == "create_room", AuditEntry.target_id == room.id)
                       .values(created_at=room.created_at))
    for username in regulars:  # regulars who were not drawn this time still belong to the room
        if username in users:
            chat.ensure_membership(users[username], room)
    db.session.flush()
    own_last = dict(db.session.execute(
        select(Message.author_id, Message.seq).where(Message.room_id == room.id).order_by(Message.seq)).all())
    for member in db.session.scalars(select(RoomMember).where(RoomMember.room_id == room.id)):
        member.joined_at = room.created_at + timedelta(days=rng.uniform(0, 15))
        seen = own_last.get(member.user_id, 0)
        # Up to three of the newest messages are still waiting for each member (for some, none).
        member.last_read_seq = max(seen, last_seq - rng.choice((0, 0, 1, 2, 3)))
    commit()
