"""Forms for the floor: notes, welcomes, introductions, marking items handled; limits match the columns."""
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .models import MESSAGE_MAX, NOTE_MAX

USERNAME_MAX = 30
REASON_MAX = 500


class MemberNoteForm(FlaskForm):
    body = TextAreaField("New note (only staff see notes)",
                         validators=[DataRequired("Write the note first."), Length(max=NOTE_MAX)])


class MarkHandledForm(FlaskForm):
    reason = StringField("What you did (optional)", validators=[Optional(), Length(max=REASON_MAX)])


class WelcomeForm(FlaskForm):
    message = TextAreaField("Your welcome", validators=[
        DataRequired("Write your welcome first: it comes from you, not from a template."),
        Length(max=MESSAGE_MAX, message=f"Keep the welcome under {MESSAGE_MAX} characters.")])


class IntroductionForm(FlaskForm):
    first = StringField("First member (username)", validators=[DataRequired("Name the first member."),
                                                               Length(max=USERNAME_MAX)])
    second = StringField("Second member (username)", validators=[DataRequired("Name the second member."),
                                                                 Length(max=USERNAME_MAX)])
    message = TextAreaField("Why they should meet", validators=[
        DataRequired("Write a short message: tell them why they should meet."),
        Length(max=MESSAGE_MAX, message=f"Keep the message under {MESSAGE_MAX} characters.")])


class SettingsForm(FlaskForm):
    """Only the CSRF token: the settings fields are built from settings.DEFAULTS (see settings_admin)."""

    reason = StringField("Why the change (for the audit log)", validators=[Optional(), Length(max=REASON_MAX)])
