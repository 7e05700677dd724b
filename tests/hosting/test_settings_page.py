"""The admins' settings page: every setting editable, validated, audited; nothing saved when anything is wrong."""
from sqlalchemy import select

from community.hosting.settings_admin import setting_fields
from community.moderation.models import AuditEntry
from community.settings import DEFAULTS, get_setting


def current_form():
    """The form as the page would post it back unchanged."""
    data = {}
    for f in setting_fields():
        if f.kind == "groups":
            data.update({f"{f.name}-{g}": text for g, text in f.text.items()})
        elif f.kind == "bool":
            if f.text:
                data[f.name] = "y"
        else:
            data[f.name] = f.text
    return data


def test_the_page_offers_every_setting_with_its_help(app, client, auth, admin):
    auth.login("ada")
    page = client.get("/floor/settings").get_data(as_text=True)
    for key, (_default, help_text) in DEFAULTS.items():
        assert f'name="s-{key}' in page, key
    assert "shop.example.com" in page and "Share of staff posts" in page


def test_admin_changes_settings_and_each_change_is_audited(app, client, auth, db, admin):
    auth.login("ada")
    data = current_form()
    data.update({"s-chime_in_after_minutes": "45", "s-promo_phrases": "act fast\nBuy Now\n\nbuy now",
                 "s-shop_domains": "https://Store.Example.org/\nshop.example.com",
                 "s-watched_words-hold": "scam", "reason": "Tighter hosting"})
    response = auth.post("/floor/settings", data)
    assert response.status_code == 302
    assert get_setting("chime_in_after_minutes") == 45
    assert get_setting("promo_phrases") == ["act fast", "Buy Now"]
    assert get_setting("shop_domains") == ["store.example.org", "shop.example.com"]
    assert get_setting("watched_words") == {"block": [], "hold": ["scam"], "flag": []}
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "update_setting")).all()
    assert sorted(list(e.after)[0] for e in entries) == ["chime_in_after_minutes", "promo_phrases",
                                                        "shop_domains", "watched_words"]
    assert all(e.reason == "Tighter hosting" and e.actor_id == admin.id for e in entries)


def test_a_bad_value_saves_nothing_and_keeps_what_the_admin_typed(app, client, auth, db, admin):
    auth.login("ada")
    data = current_form()
    data.update({"s-chime_in_after_minutes": "30", "s-spotlight_max_staff_share": "1.5",
                 "s-shop_domains": "not a domain", "s-promo_phrases": "my new phrase"})
    response = auth.post("/floor/settings", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was saved" in page
    assert "Enter a value from 0.0 to 1.0." in page and "is not a domain name" in page
    assert "my new phrase" in page and "not a domain" in page
    assert get_setting("chime_in_after_minutes") == 120
    assert db.session.scalar(select(AuditEntry)) is None


def test_saving_the_form_unchanged_records_nothing(app, client, auth, db, admin):
    auth.login("ada")
    assert auth.post("/floor/settings", current_form()).status_code == 302
    assert db.session.scalar(select(AuditEntry)) is None


def test_settings_post_without_csrf_token_is_refused(app, client, auth, admin):
    auth.login("ada")
    assert client.post("/floor/settings", data={"s-chime_in_after_minutes": "5"}).status_code == 400
    assert get_setting("chime_in_after_minutes") == 120
