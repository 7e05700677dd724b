"""One log line per request, whichever layer answers it, with the request's id; secrets never in it."""
import io
import json
import logging
import re

import pytest
from flask import template_rendered

from community import create_app, logs
from community.config import ConfigurationError, TestingConfig

LINE = re.compile(r"\[(?P<id>[^\]]+)\] (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d+) (?P<ms>[0-9.]+)ms "
                  r"member=(?P<member>\S+) addr=(?P<addr>\S+)$")


@pytest.fixture
def request_lines():
    """The request log as the app's handler writes it (text format), one parsed dict per line."""
    stream = io.StringIO()
    handler = logs.make_handler(stream)
    logger = logging.getLogger(logs.REQUEST_LOGGER)
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)  # setLevel, not the attribute: it clears the logger's cached answers

    def lines():
        return [match.groupdict() for match in map(LINE.search, stream.getvalue().splitlines()) if match]

    yield lines
    logger.removeHandler(handler)
    logger.setLevel(previous)


def get(client, path, **kwargs):
    """A GET whose response is closed, as a server closes it once sent (the line is written then)."""
    response = client.get(path, **kwargs)
    response.close()
    return response


def test_each_request_is_logged_once_with_its_id_status_duration_and_member(client, auth, member, make_thread,
                                                                            request_lines):
    thread = make_thread(title="Kettle light keeps blinking")
    get(client, f"/t/{thread.id}")
    auth.login("maria")
    get(client, f"/t/{thread.id}")
    lines = [line for line in request_lines() if line["path"] == f"/t/{thread.id}"]
    assert len(lines) == 2
    assert lines[0]["member"] == "-" and lines[1]["member"] == str(member.id)
    assert lines[1]["method"] == "GET" and lines[1]["status"] == "200" and float(lines[1]["ms"]) > 0
    ids = [line["id"] for line in request_lines()]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and len(set(ids)) == len(ids)


def test_an_incoming_request_id_is_kept_and_a_malformed_one_replaced(client, request_lines):
    get(client, "/login", headers={"X-Request-ID": "0f3c9e1a7b2d4c5e8f9a0b1c2d3e4f50"})
    get(client, "/login", headers={"X-Request-ID": "evil] GET /admin 200 forged"})
    kept, replaced = request_lines()
    assert kept["id"] == "0f3c9e1a7b2d4c5e8f9a0b1c2d3e4f50"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["id"]) and replaced["path"] == "/login"


def test_pages_answered_from_the_stores_are_logged_like_any_other(app, client, auth, member, make_thread,
                                                                  request_lines):
    thread = make_thread(title="Kettle light keeps blinking")
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        for _ in range(2):
            get(client, f"/t/{thread.id}")  # a visitor: the second is replayed before Flask runs
        assert rendered.count("forum/thread.html") == 1
        auth.login("maria")
        rendered.clear()
        for _ in range(3):
            get(client, f"/t/{thread.id}")  # a member: the skeleton is stored once, then completed early in Flask
        assert rendered.count("forum/thread.html") == 1
    lines = [line for line in request_lines() if line["path"] == f"/t/{thread.id}"]
    assert [line["member"] for line in lines] == ["-", "-"] + [str(member.id)] * 3
    assert {line["status"] for line in lines} == {"200"}


@pytest.mark.parametrize("path", ["/password/reset/secret-reset-token-123", "/invite/secret-invite-token-123"])
def test_links_carrying_a_token_are_logged_without_it(client, request_lines, path):
    get(client, path)
    (line,) = request_lines()
    assert "secret" not in line["path"] and line["path"].endswith("/<token>")


def test_a_failing_request_logs_its_traceback_with_the_request_id_and_a_5xx_line(app, client, request_lines):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as served: Flask answers the 500 page and logs the error

    @app.route("/boom/<token>")
    def boom(token):
        raise RuntimeError("kettle exploded")

    stream = io.StringIO()
    handler = logs.make_handler(stream)
    app.logger.addHandler(handler)
    request_id = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    try:
        response = get(client, "/boom/secret-token-456", headers={"X-Request-ID": request_id})
    finally:
        app.logger.removeHandler(handler)
    assert response.status_code == 500
    error = stream.getvalue()
    assert f"ERROR community [{request_id}] Exception on /boom/<token> [GET]" in error
    assert "Traceback (most recent call last)" in error and "RuntimeError: kettle exploded" in error
    assert "secret-token-456" not in error
    (line,) = request_lines()
    assert line["status"] == "500" and line["id"] == request_id


def test_an_error_in_front_of_flask_is_answered_500_and_logged_with_its_traceback(request_lines):
    def broken_layer(environ, start_response):
        raise LookupError("stored page store unreachable")

    stream = io.StringIO()
    logging.getLogger(logs.REQUEST_LOGGER).addHandler(handler := logs.make_handler(stream))
    answered = []
    try:
        body = logs.RequestLog(broken_layer)({"REQUEST_METHOD": "GET", "PATH_INFO": "/t/1"},
                                             lambda status, headers, exc_info=None: answered.append((status, headers)))
    finally:
        logging.getLogger(logs.REQUEST_LOGGER).removeHandler(handler)
    assert answered[0][0].startswith("500") and body == [b"Internal Server Error\n"]
    (line,) = request_lines()
    assert line["status"] == "500"
    traceback = stream.getvalue().split(" GET /t/1 500 ")[0]
    assert f"[{line['id']}] Unhandled error in front of the app on GET /t/1" in traceback
    assert "LookupError: stored page store unreachable" in traceback


def test_json_format_writes_one_object_per_line_with_the_request_fields(client, request_lines):
    stream = io.StringIO()
    handler = logs.make_handler(stream, log_format="json")
    logging.getLogger(logs.REQUEST_LOGGER).addHandler(handler)
    try:
        get(client, "/login", headers={"X-Request-ID": "json-line-0001"})
    finally:
        logging.getLogger(logs.REQUEST_LOGGER).removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["request_id"] == "json-line-0001"
    assert entry["method"] == "GET" and entry["path"] == "/login" and entry["status"] == 200
    assert entry["member_id"] is None and entry["level"] == "INFO" and entry["duration_ms"] >= 0


@pytest.mark.parametrize("setting", [{"LOG_FORMAT": "xml"}, {"LOG_LEVEL": "CHATTY"}])
def test_an_unknown_log_format_or_level_is_refused_by_name(tmp_path, setting):
    config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    with pytest.raises(ConfigurationError, match=next(iter(setting))):
        create_app({**config, **setting, "SEARCH_INDEX_DIR": str(tmp_path / "ix"),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db'}"})
