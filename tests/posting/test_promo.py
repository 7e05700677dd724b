"""No hard sell: what the checker finds in staff text, and how the posting policy refuses or logs it."""
import pytest
from sqlalchemy import select

from community.errors import Invalid
from community.posting.policy import check_text
from community.posting.promo import find_promotional, highlight_spans, new_findings
from community.moderation.models import AuditEntry
from community.settings import update_setting


def kinds(text):
    return [(f.kind, f.text) for f in find_promotional(text, phrases=[], shop_domains=["shop.example.com"])]


@pytest.mark.parametrize("text, found", [
    ("Only $19.99 this week", "$19.99"),
    ("It is 20 EUR in the shop", "20 EUR"),
    ("It is 20€ in the shop", "20€"),
    ("Just £5 more", "£5"),
    ("Costs USD 30 now", "USD 30"),
    ("It was 40 dollars", "40 dollars"),
])
def test_prices_and_currencies_are_found(app, text, found):
    assert ("price", found) in kinds(text)


def test_percent_off_is_a_discount(app):
    assert kinds("Get 15%-off and 20% off today only") == [("discount", "15%-off"), ("discount", "20% off")]


def test_made_up_codes_after_code_are_found_but_ordinary_codes_are_not(app):
    assert ("code", "code CODE20") in kinds("Use the code CODE20 at checkout")
    assert ("code", "promo code: xmas-20") in kinds("promo code: xmas-20")
    assert kinds("error code 404 again, the code is fine") == []


def test_calls_to_buy_are_found_but_ordinary_uses_of_order_are_not(app):
    assert [k for k, _ in kinds("Buy now! Add to cart. Order yours today.")] == ["call_to_buy"] * 3
    assert kinds("In order to reset it, hold the button. The order of steps matters.") == []


def test_links_to_shop_domains_are_found_and_other_links_are_not(app):
    found = kinds("See https://shop.example.com/kettle?x=1 or www.shop.example.com, "
                  "or the manual at https://help.example.com/kettle")
    assert found == [("shop_link", "https://shop.example.com/kettle?x=1"), ("shop_link", "www.shop.example.com")]


def test_phrases_come_from_the_admins_settings(app, admin):
    assert find_promotional("A once in a lifetime chance") == []
    update_setting(admin, "promo_phrases", ["once in a lifetime"])
    assert [f.text for f in find_promotional("A Once in a  lifetime chance")] == ["Once in a  lifetime"]


def test_findings_carry_spans_that_point_at_the_phrase_even_after_emoji(app):
    text = "🙂 Great kettle — use code SAVE20, buy now"
    findings = find_promotional(text, phrases=["use code"], shop_domains=[])
    assert all(text[f.start:f.end] == f.text for f in findings)
    assert highlight_spans(findings) == [(text.index("use code"), text.index(",")),
                                         (text.index("buy now"), len(text))]


def test_an_edit_counts_only_the_selling_language_it_adds(app):
    before = "It was $19.99 at launch."
    assert new_findings(find_promotional("It was $19.99 at launch, I think."), before) == []
    added = new_findings(find_promotional("It was $19.99 at launch; now $14.99 with code SAVE10."), before)
    assert [(f.kind, f.text) for f in added] == [("price", "$14.99"), ("code", "code SAVE10")]


def staff_check(author, body, thread=None, override=False, **options):
    return check_text(author, {"body": body}, thread=thread, override=override, **options)


def test_staff_post_with_selling_language_is_refused_with_a_clear_reason(app, facilitator, make_thread):
    thread = make_thread()
    with pytest.raises(Invalid) as refused:
        staff_check(facilitator, "It's only $19.99, buy now!", thread)
    assert refused.value.field == "body"
    assert "$19.99" in refused.value.message and "Send anyway" in refused.value.message


def test_where_no_send_anyway_is_offered_the_refusal_does_not_mention_it(app, facilitator):
    with pytest.raises(Invalid) as refused:
        check_text(facilitator, {"name": "Deals", "topic": "20% off all week"})
    assert refused.value.field == "topic"
    assert "20% off" in refused.value.message and "Send anyway" not in refused.value.message


def test_staff_override_is_logged_with_what_was_found(app, db, facilitator, make_thread):
    thread = make_thread()
    checked = staff_check(facilitator, "It's only $19.99", thread, override=True)
    checked.record_override("thread", thread.id)
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "promo_override"))
    assert [f.text for f in checked.findings] == ["$19.99"]
    assert entry.actor_id == facilitator.id and entry.target_id == thread.id
    assert entry.after["findings"][0]["text"] == "$19.99"


def test_members_posts_are_left_to_community_policy(app, db, member, make_thread):
    thread = make_thread()
    staff_check(member, "Found it for $19.99, buy now", thread).record_override("thread", thread.id)
    assert db.session.scalar(select(AuditEntry)) is None


def test_clean_staff_post_passes_without_an_audit_entry(app, db, facilitator, make_thread):
    thread = make_thread()
    checked = staff_check(facilitator, "Hold the button for five seconds.", thread, override=True)
    checked.record_override("thread", thread.id)
    db.session.commit()
    assert checked.findings == [] and db.session.scalar(select(AuditEntry)) is None


def test_posting_anyway_in_a_staff_heavy_thread_is_logged(app, db, facilitator, make_thread):
    thread = make_thread(author=facilitator)  # one post, by staff: 100% staff
    staff_check(facilitator, "One more thing about the firmware.", thread, override=True).record_override(
        "thread", thread.id)
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "spotlight_override"))
    assert entry is not None and entry.after["share"] == 1.0


def test_the_body_is_rendered_once_and_handed_back(app, member, monkeypatch):
    from community import markup

    calls = []
    real = markup.render_post
    monkeypatch.setattr(markup, "render_post", lambda *a, **k: calls.append(a) or real(*a, **k))
    checked = check_text(member, {"body": "See https://a.example.org and https://b.example.org"},
                         render=lambda source: markup.render_post(source), community_policy=True, reply=True)
    assert len(calls) == 1 and "https://a.example.org" in checked.rendered.html
    assert checked.assessment.state == "held"  # the link check read the same rendering
