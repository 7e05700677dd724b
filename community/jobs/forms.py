"""The failed-deliveries page's forms carry only their CSRF token."""
from flask_wtf import FlaskForm


class DeliveryForm(FlaskForm):
    """Retry, retry all, dismiss: the button is the whole form."""
