"""Domain errors raised by actions; views and socket handlers translate them."""


class CommunityError(Exception):
    """Base class: carries a message fit to show the person who caused it."""

    status_code = 400

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(CommunityError):
    """The input breaks a rule (too long, empty, duplicate...)."""

    status_code = 400


class InvalidFields(Invalid):
    """Several fields break rules at once; errors maps each field's name to its message, so a form shows all."""

    def __init__(self, errors):
        super().__init__(" ".join(errors.values()), field=next(iter(errors)))
        self.errors = dict(errors)


class NotAllowed(CommunityError):
    """The actor may not do this."""

    status_code = 403


class NotFound(CommunityError):
    status_code = 404


class RateLimited(CommunityError):
    """The actor is doing this too often; retry_after is in seconds."""

    status_code = 429

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after
