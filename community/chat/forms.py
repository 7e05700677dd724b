"""Forms for chat pages: rooms, proposals, the no-script composer and facilitator tools."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .rooms import MUTE_MAX_MINUTES, NAME_MAX, SLOW_MODE_MAX, TOPIC_MAX


class RoomForm(FlaskForm):
    name = StringField("Room name", validators=[DataRequired("Give the room a name."), Length(min=3, max=NAME_MAX)])
    topic = StringField("Topic", validators=[Optional(), Length(max=TOPIC_MAX)])


class MessageForm(FlaskForm):
    body = TextAreaField("Message", validators=[DataRequired("Write something before sending.")])
    override = BooleanField("Send anyway")


class DecisionForm(FlaskForm):
    note = StringField("Note to the proposer", validators=[Optional(), Length(max=500)])


class ReasonForm(FlaskForm):
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])


class SlowModeForm(FlaskForm):
    seconds = IntegerField("Seconds between messages (0 = off)",
                           validators=[NumberRange(min=0, max=SLOW_MODE_MAX)])


class MuteForm(FlaskForm):
    username = StringField("Member", validators=[DataRequired("Name the member to mute."), Length(max=30)])
    minutes = IntegerField("Minutes (0 lifts the mute)", validators=[NumberRange(min=0, max=MUTE_MAX_MINUTES)])
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])


class DirectForm(FlaskForm):
    username = StringField("Member's username", validators=[DataRequired("Name the member to talk to."),
                                                            Length(max=30)])
