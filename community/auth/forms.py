"""Forms for joining, signing in, profiles, passwords, roles and invitations."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from .models import ROLE_LABELS, ROLES


class LoginForm(FlaskForm):
    login = StringField("Username or email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in")


class RegisterForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(min=3, max=30)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", validators=[Optional(), Length(max=60)])
    location = StringField("Location", validators=[Optional(), Length(max=80)])
    bio = TextAreaField("About you", validators=[Optional()])  # length checked by the action (BIO_MAX)
    interests = StringField("Interests", validators=[Optional(), Length(max=600)])


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("New password again", validators=[
        DataRequired(), EqualTo("new_password", message="The two new passwords don't match.")])


class SignOutForm(FlaskForm):
    """Signing devices out: nothing to fill in but the CSRF token."""


class ForgotPasswordForm(FlaskForm):
    login = StringField("Email or username", validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("New password again", validators=[
        DataRequired(), EqualTo("password", message="The two passwords don't match.")])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
    reason = StringField("Reason (kept in the audit log)", validators=[Optional(), Length(max=1000)])


class InviteForm(FlaskForm):
    emails = TextAreaField("Email addresses", validators=[Optional(), Length(max=200_000)])
    csv_file = FileField("Or upload a CSV file", validators=[
        FileAllowed(["csv", "txt"], "Upload a .csv or .txt file.")])
