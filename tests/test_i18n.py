"""Language and timezone: ?lang= beats the person's setting, which beats Accept-Language, then Spanish."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from coalition.auth.models import User
from coalition.extensions import db
from tests import factories
from tests.conftest import login, post_form

ES = {"Accept-Language": "es-MX,es;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def _lang(response) -> str:
    match = re.search(r'<html lang="([a-z]{2})"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:300]
    return match.group(1)


def _group_names(client, query: str = "", headers=None) -> str:
    page = client.get("/groups" + query, headers=headers or {}).get_data(as_text=True)
    if "Ética de la IA" in page and "AI Ethics" not in page:
        return "es"
    if "AI Ethics" in page and "Ética de la IA" not in page:
        return "en"
    raise AssertionError("the group names are in neither or both languages")


def _person(client, **values) -> User:
    person = factories.user(**values)
    db.session.commit()
    login(client, person)
    return person


# --- the order of choice ---------------------------------------------------------------------

def test_spanish_is_the_default(client):
    assert _lang(client.get("/login")) == "es"


def test_accept_language_is_followed_for_anonymous_visitors(client):
    assert _lang(client.get("/login", headers=EN)) == "en"
    assert _lang(client.get("/login", headers=ES)) == "es"
    assert _lang(client.get("/login", headers={"Accept-Language": "fr-FR, en;q=0.5"})) == "en"
    assert _lang(client.get("/login", headers={"Accept-Language": "fr-FR, de"})) == "es"


def test_lang_argument_beats_accept_language(client):
    assert _lang(client.get("/login?lang=en", headers=ES)) == "en"
    assert _lang(client.get("/login?lang=es", headers=EN)) == "es"


def test_an_unknown_lang_argument_is_ignored(client):
    assert _lang(client.get("/login?lang=fr", headers=EN)) == "en"
    assert _lang(client.get("/login?lang=../../etc", headers=ES)) == "es"


def test_an_unknown_page_is_a_404_in_the_visitors_language(app, client):
    response = client.get("/no-such-page?lang=en")
    assert response.status_code == 404
    assert _lang(response) == "en"
    response = app.test_client().get("/no-such-page", headers=ES)
    assert response.status_code == 404
    assert _lang(response) == "es"


def test_a_wrong_method_is_a_405_page_for_anonymous_visitors(client):
    response = client.get("/settings/language")
    assert response.status_code == 405
    assert _lang(response) == "es"


def test_an_unknown_page_is_a_404_for_people_logged_in(client):
    _person(client, language="en")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert _lang(response) == "en"


def test_language_links_keep_the_rest_of_the_query(client):
    page = client.get("/login?next=/groups").get_data(as_text=True)
    english = re.search(r'<a [^>]*href="([^"]+)"[^>]*hreflang="en"', page).group(1)
    parts = urlsplit(html.unescape(english))
    assert parts.path == "/login"
    assert parse_qs(parts.query) == {"next": ["/groups"], "lang": ["en"]}


def test_language_links_survive_odd_query_arguments(client):
    for query in ("?endpoint=x", "?values=1&lang=en", "?_method=DELETE", "?next=//evil.example&endpoint=home.index"):
        response = client.get("/login" + query)
        assert response.status_code == 200, query
        assert "lang=en" in response.get_data(as_text=True), query


def test_an_anonymous_visitors_choice_sticks_in_the_session(app):
    client = app.test_client()
    assert _lang(client.get("/login?lang=en", headers=ES)) == "en"
    assert _lang(client.get("/login", headers=ES)) == "en"
    assert _lang(client.get("/login?lang=es", headers=EN)) == "es"
    assert _lang(client.get("/login", headers=EN)) == "es"
    # Another visitor is not affected.
    assert _lang(app.test_client().get("/login", headers=ES)) == "es"


def test_anonymous_language_form_sticks_in_the_session(client):
    response = post_form(client, "/settings/language", {"language": "en", "next": "/login"}, form_page="/login")
    assert response.status_code == 302
    assert _lang(client.get("/login", headers=ES)) == "en"


def test_the_persons_setting_beats_accept_language(client):
    _person(client, language="en")
    assert _group_names(client, headers=ES) == "en"
    assert _lang(client.get("/groups", headers=ES)) == "en"


def test_lang_argument_beats_the_persons_setting(client):
    _person(client, language="en")
    assert _group_names(client, "?lang=es", headers=EN) == "es"
    assert _lang(client.get("/groups?lang=es")) == "es"


def test_a_spanish_speaker_sees_spanish_whatever_the_browser_says(client):
    _person(client, language="es")
    assert _group_names(client, headers=EN) == "es"


def test_the_persons_setting_beats_an_earlier_anonymous_choice(client):
    client.get("/login?lang=en")
    person = factories.user(language="es")
    db.session.commit()
    login(client, person)
    assert _group_names(client, headers=EN) == "es"


def test_changing_the_language_setting_changes_the_pages(client):
    person = _person(client, language="es")
    assert post_form(client, "/settings/language", {"language": "en"}, form_page="/settings").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).language == "en"
    assert _group_names(client) == "en"


# --- dates in the viewer's timezone ----------------------------------------------------------

def _meeting_start(client, meeting_id: int, query: str = "") -> str:
    """The text of the meeting page's start time, as a person reads it."""
    response = client.get(f"/meetings/{meeting_id}{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    match = re.search(r'<time datetime="2030-01-1[56]T[0-9:]+\+00:00">([^<]+)</time>', page)
    assert match, page[:3000]
    return " ".join(match.group(1).split())


def test_meeting_time_is_shown_in_mexico_city_time(client):
    meeting = factories.meeting(starts_at=datetime(2030, 1, 15, 16, 0, tzinfo=timezone.utc))
    _person(client, groups={"ethics": "member"}, timezone="America/Mexico_City")
    shown = _meeting_start(client, meeting.id)
    assert "10:00" in shown and "16:00" not in shown
    assert "2030" in shown and "15" in shown


def test_meeting_time_is_shown_in_tijuana_time(client):
    meeting = factories.meeting(starts_at=datetime(2030, 1, 15, 16, 0, tzinfo=timezone.utc))
    _person(client, groups={"ethics": "member"}, timezone="America/Tijuana")
    shown = _meeting_start(client, meeting.id)
    assert "08:00" in shown and "10:00" not in shown and "16:00" not in shown


def test_the_meeting_date_follows_the_viewers_timezone_across_midnight(app):
    # 03:00 UTC on the 16th is still the evening of the 15th in Mexico City.
    meeting = factories.meeting(starts_at=datetime(2030, 1, 16, 3, 0, tzinfo=timezone.utc))
    mexico = factories.user(groups={"ethics": "member"}, timezone="America/Mexico_City")
    utc = factories.user(groups={"ethics": "member"}, timezone="UTC")
    db.session.commit()
    in_mexico, in_utc = app.test_client(), app.test_client()
    login(in_mexico, mexico)
    login(in_utc, utc)
    shown_mexico, shown_utc = _meeting_start(in_mexico, meeting.id), _meeting_start(in_utc, meeting.id)
    assert "21:00" in shown_mexico and re.search(r"\b15\b", shown_mexico)
    assert "03:00" in shown_utc and re.search(r"\b16\b", shown_utc)


def test_dates_are_formatted_in_the_page_language(client):
    meeting = factories.meeting(starts_at=datetime(2030, 1, 15, 16, 0, tzinfo=timezone.utc))
    _person(client, groups={"ethics": "member"}, timezone="America/Mexico_City", language="es")
    assert "enero" in _meeting_start(client, meeting.id).lower()
    assert "January" in _meeting_start(client, meeting.id, "?lang=en")


def test_changing_the_timezone_setting_moves_the_times(client):
    meeting = factories.meeting(starts_at=datetime(2030, 1, 15, 16, 0, tzinfo=timezone.utc))
    person = _person(client, groups={"ethics": "member"}, timezone="America/Mexico_City")
    assert "10:00" in _meeting_start(client, meeting.id)
    response = post_form(client, "/settings", {
        "name": person.name, "language": "es", "timezone": "America/Tijuana", "digest_frequency": "weekly",
        "digest_weekday": "0", "digest_hour": "8"})
    assert response.status_code == 302
    assert "08:00" in _meeting_start(client, meeting.id)
