"""Site-relative URLs that work with or without a request (actions run from CLI, workers, sockets)."""
from flask import current_app, has_request_context, url_for


def path_for(endpoint, _anchor=None, **values):
    """Like url_for, but a plain path even outside a request (stored in notifications and HTML)."""
    if has_request_context():
        return url_for(endpoint, _anchor=_anchor, **values)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return f"{path}#{_anchor}" if _anchor else path
