"""Forms for saving and deleting searches."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional


class SaveSearchForm(FlaskForm):
    q = HiddenField(validators=[DataRequired("Type a search before saving it."), Length(max=500)])
    name = StringField("Name (optional)", validators=[Optional(), Length(max=80)])


class DeleteSavedSearchForm(FlaskForm):
    pass
