"""Forms for feature requests: status changes, merging, marking and voting."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from ..forum.models import REQUEST_STATUSES
from .actions import NOTE_MAX
from .models import STATUS_LABELS

REASON_MAX = 500


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=[(s, STATUS_LABELS[s]) for s in REQUEST_STATUSES],
                         validators=[DataRequired("Choose a status.")])
    note = TextAreaField("Public note (shown on the request and sent to voters and followers)",
                         validators=[Optional(), Length(max=NOTE_MAX)])


class MergeForm(FlaskForm):
    target = StringField("Merge into (the request's number or address)",
                         validators=[DataRequired("Say which request to merge into."), Length(max=300)])
    reason = StringField("Reason (for the audit log)", validators=[Optional(), Length(max=REASON_MAX)])


class MarkForm(FlaskForm):
    mark = HiddenField(validators=[AnyOf(("0", "1"))])


class VoteForm(FlaskForm):
    """Only the CSRF token: the request is in the URL."""
