"""Forms for threads, replies, edits and moderation of posts; limits match the config and the columns."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

TITLE_MAX = 200
POST_MAX = 20000
TAGS_MAX = 200
REASON_MAX = 500


class ThreadForm(FlaskForm):
    category = SelectField("Category", coerce=int, validators=[DataRequired("Choose a category.")])
    title = StringField("Title", validators=[DataRequired("Give the thread a title."), Length(min=5, max=TITLE_MAX)])
    body = TextAreaField("Post", validators=[DataRequired("Write something before posting."),
                                             Length(max=POST_MAX)])
    tags = StringField("Tags", validators=[Length(max=TAGS_MAX)])
    is_feature_request = BooleanField("This is a feature request")
    override = BooleanField("Send anyway")


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", validators=[DataRequired("Write something before posting."),
                                                   Length(max=POST_MAX)])
    reply_to = HiddenField(validators=[Optional(), Length(max=12)])
    override = BooleanField("Send anyway — a facilitator will review it")


class EditPostForm(FlaskForm):
    title = StringField("Title", validators=[Optional(), Length(min=5, max=TITLE_MAX)])
    body = TextAreaField("Post", validators=[DataRequired("A post can't be empty."), Length(max=POST_MAX)])
    override = BooleanField("Send anyway — a facilitator will review it")


class DeletePostForm(FlaskForm):
    reason = StringField("Reason (shown in the audit log)", validators=[Optional(), Length(max=REASON_MAX)])


class RestorePostForm(FlaskForm):
    reason = StringField("Reason", validators=[Optional(), Length(max=REASON_MAX)])


class FollowForm(FlaskForm):
    follow = HiddenField(validators=[Length(max=1)])


class LikeForm(FlaskForm):
    """Only the CSRF token: the post is in the URL."""
