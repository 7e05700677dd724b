"""Forms for threads and replies."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class ThreadForm(FlaskForm):
    category = SelectField("Category", coerce=int, validators=[DataRequired()])
    title = StringField("Title", validators=[DataRequired(), Length(min=5, max=200)])
    body = TextAreaField("Post", validators=[DataRequired(), Length(max=20000)])
    tags = StringField("Tags", validators=[Length(max=200)])
    is_feature_request = BooleanField("This is a feature request")


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", validators=[DataRequired(), Length(max=20000)])
