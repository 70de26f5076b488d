from tests import factories
from tests.conftest import login


def test_every_page_carries_the_security_headers(app, client):
    member = factories.user(groups={"ethics": "member"})
    from coalition.extensions import db
    db.session.commit()
    responses = [client.get("/login"), client.get("/healthz"), client.get("/nowhere")]
    login(client, member)
    responses += [client.get("/"), client.get("/groups/ethics"), client.get("/static/css/app.css")]
    for response in responses:
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite(app, client):
    member = factories.user()
    from coalition.extensions import db
    db.session.commit()
    client.get("/login")
    login(client, member)
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
