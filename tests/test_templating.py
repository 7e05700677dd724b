"""Dates, times, durations and plurals in templates: said by Babel, and <time> elements that never go stale."""
from datetime import datetime, timedelta

import pytest

from community.database import utcnow

MOMENT = datetime(2026, 12, 2, 5, 20)


@pytest.fixture
def render(app):
    """Render a template string the way every page is rendered (in a request, with the app's filters)."""
    def render_(source, **context):
        with app.test_request_context():
            return app.jinja_env.from_string(source).render(**context)
    return render_


def test_time_tag_prints_the_date_for_the_browser_to_redraw(render):
    assert render("{{ when|time_tag }}", when=MOMENT) == (
        '<time datetime="2026-12-02T05:20:00Z" title="Wednesday 2 December 2026, 05:20 UTC" data-relative="">'
        "2 Dec 2026, 05:20</time>")


@pytest.mark.parametrize("offset", [timedelta(hours=1), timedelta(seconds=20), timedelta(hours=-3)],
                         ids=["an hour ahead", "seconds ahead", "hours ago"])
def test_time_tag_reads_the_same_whenever_the_page_is_rendered(render, offset):
    """Only the datetime decides what a stored page says: no 'just now' for an hour ahead, no 'ago' at all."""
    when = (utcnow() + offset).replace(second=0, microsecond=0)
    html = render("{{ when|time_tag }}", when=when)
    assert f'datetime="{when:%Y-%m-%dT%H:%M:%SZ}"' in html
    assert html.endswith(f">{when.day} {when:%b %Y, %H:%M}</time>")
    assert "just now" not in html and "ago" not in html


def test_time_tag_with_date_names_the_zone_for_a_deadline_in_a_sentence(render):
    assert render("until {{ when|time_tag(with_date=True) }}", when=MOMENT) == (
        'until <time datetime="2026-12-02T05:20:00Z" title="Wednesday 2 December 2026, 05:20 UTC" '
        'data-relative="with-date">2 Dec 2026, 05:20 UTC</time>')


SAID_AT_NOON = [
    (timedelta(hours=1), "in 1 hour"),
    (timedelta(hours=6), "in 6 hours"),
    (timedelta(days=3), "in 3 days"),
    (timedelta(minutes=-1), "1 minute ago"),
    (timedelta(hours=-1), "1 hour ago"),
    (timedelta(hours=-2), "2 hours ago"),
    (timedelta(days=-1), "1 day ago"),
    (timedelta(days=-400), "1 year ago"),
]


def test_timeago_says_future_times_ahead_and_past_ones_ago_in_singular_and_plural(render):
    now = datetime(2026, 12, 2, 12, 0)
    said = [render("{{ when|timeago(now) }}", when=now + offset, now=now) for offset, _ in SAID_AT_NOON]
    assert said == [words for _, words in SAID_AT_NOON]


@pytest.mark.parametrize("seconds, words", [
    (1, "1 second"), (45, "45 seconds"), (60, "1 minute"), (5400, "90 minutes"), (3600, "1 hour"),
    (7200, "2 hours"), (86400, "1 day"), (604800, "1 week"), (30 * 86400, "30 days"),
])
def test_duration_says_an_exact_length_with_its_unit_in_singular_or_plural(render, seconds, words):
    assert render("{{ seconds|duration }}", seconds=seconds) == words


@pytest.mark.parametrize("seconds, words", [(1, "1 second"), (45, "45 seconds"), (61, "2 minutes"),
                                            (3599, "1 hour")])
def test_a_wait_is_never_said_shorter_than_it_is(app, seconds, words):
    from community.i18n import format_wait

    with app.test_request_context():
        assert format_wait(seconds) == words


@pytest.mark.parametrize("count, words", [(0, "0 replies"), (1, "1 reply"), (2, "2 replies")])
def test_templates_pluralise_through_ngettext(render, count, words):
    assert render('{{ ngettext("%(num)d reply", "%(num)d replies", n) }}', n=count) == words


def test_plural_phrases_escape_what_they_are_given(render):
    html = render('{{ ngettext("%(num)d note by %(who)s", "%(num)d notes by %(who)s", 2, who=name) }}',
                  name="<script>")
    assert html == "2 notes by &lt;script&gt;"
