"""Forms for moderation: every gentle action carries a reason the member reads."""
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .common import REASON_MAX
from .flags import FLAG_TEXT_MAX
from .models import FLAG_REASONS

REASON_LABEL = "Reason (the member reads this)"


def _choices(pairs):
    return [SelectChoice(value, label) for value, label in pairs]


def _reason(label=REASON_LABEL):
    return TextAreaField(label, validators=[DataRequired("Give a reason: the member is told why."),
                                            Length(max=REASON_MAX)])


class ReasonForm(FlaskForm):
    reason = _reason()


class OptionalReasonForm(FlaskForm):
    reason = TextAreaField("Note (optional)", validators=[Optional(), Length(max=REASON_MAX)])


class FlagForm(FlaskForm):
    reason = RadioField("Why should a facilitator look at this post?", choices=_choices(FLAG_REASONS.items()),
                        validators=[InputRequired("Choose a reason.")])
    text = TextAreaField("Tell us more", validators=[Optional(), Length(max=FLAG_TEXT_MAX)])


class ResolveFlagsForm(FlaskForm):
    decision = RadioField("Decision", choices=_choices([("agree", "Agree: hide the post"),
                                                        ("disagree", "Disagree: keep the post visible")]),
                          validators=[InputRequired("Choose a decision.")])
    reason = _reason()


class MoveForm(FlaskForm):
    category = SelectField("Move to", coerce=int, validators=[DataRequired("Choose a category.")])
    reason = _reason()


class ToggleForm(FlaskForm):
    """Lock/unlock and pin/unpin: the state to set comes from the button pressed."""

    value = SelectField("Set", choices=_choices([("on", "on"), ("off", "off")]), validators=[DataRequired()])
    reason = _reason()


CLOSE_CHOICES = [("0", "Now"), ("1", "In 1 hour"), ("6", "In 6 hours"), ("24", "In 1 day"), ("72", "In 3 days"),
                 ("168", "In 1 week"), ("reopen", "Remove the timer and reopen")]


class CloseForm(FlaskForm):
    when = SelectField("Close", choices=_choices(CLOSE_CHOICES), validators=[DataRequired()])
    reason = _reason()


SLOW_MODE_CHOICES = [(0, "Off"), (60, "1 minute"), (300, "5 minutes"), (900, "15 minutes"), (3600, "1 hour"),
                     (21600, "6 hours")]


class SlowModeForm(FlaskForm):
    seconds = SelectField("One post per member every", coerce=int, choices=_choices(SLOW_MODE_CHOICES),
                          validators=[InputRequired()])
    reason = _reason()


class MergeForm(FlaskForm):
    target = StringField("Merge into thread (its number or address)",
                         validators=[DataRequired("Say which thread to merge into."), Length(max=300)])
    reason = _reason()


class SplitForm(FlaskForm):
    posts = SelectMultipleField("Replies to move", coerce=int, option_widget=widgets.CheckboxInput(),
                                widget=widgets.ListWidget(prefix_label=False),
                                validators=[DataRequired("Choose at least one reply.")])
    title = StringField("Title of the new thread",
                        validators=[DataRequired("Give the new thread a title."), Length(min=5, max=200)])
    category = SelectField("Category", coerce=int, validators=[DataRequired()])
    reason = _reason()


SILENCE_CHOICES = [(1, "1 hour"), (24, "1 day"), (72, "3 days"), (168, "1 week"), (720, "30 days")]


class SilenceForm(FlaskForm):
    hours = SelectField("Silence for", coerce=int, choices=_choices(SILENCE_CHOICES), validators=[DataRequired()])
    reason = _reason()


class AuditFilterForm(FlaskForm):
    """GET filters: no CSRF (nothing changes)."""

    class Meta:
        csrf = False

    actor = StringField("Staff member", validators=[Optional(), Length(max=30)])
    action = SelectField("Action", validators=[Optional()])
    member = StringField("Member", validators=[Optional(), Length(max=30)])
    since = StringField("From (YYYY-MM-DD)", validators=[Optional(), Length(max=10)])
    until = StringField("To (YYYY-MM-DD)", validators=[Optional(), Length(max=10)])


class MemberLookupForm(FlaskForm):
    class Meta:
        csrf = False

    username = StringField("Username", validators=[Optional(), Length(max=30)])
