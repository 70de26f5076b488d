"""The portal's HTTP contract: no cookie, shared caches welcome, revalidation almost free.

A portal response is the same for everyone who asks in the same language, so:
- the request opens no session (a null one: nothing is read from or written to the cookie), the
  person is anonymous whatever cookie came along, and any Set-Cookie that would slip out is dropped;
- the page is public: `Cache-Control: public, max-age=PORTAL_MAX_AGE`, an `ETag` made of the data
  version (coalition/dashboards/cache.py), the language, the URL and the release, and a
  `Last-Modified` from when that version last grew; `If-None-Match` with the current tag gets 304
  after one small query, before any page is built.
The data version grows in the transaction of every change the portal reads, so a publish, an
unpublish or an update changes the tag on the next request: no page is ever served stale.
"""
from __future__ import annotations

import functools
import hashlib
import logging
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, current_app, g, make_response, request, url_for
from flask.sessions import SecureCookieSessionInterface

from coalition.dashboards import cache
from coalition.database import coalition_today

log = logging.getLogger(__name__)

PORTAL_PREFIX = "/public"
PORTAL_FILES = ("/sitemap.xml", "/robots.txt")
# Every query argument a portal page reads; any other changes nothing on the page.
PAGE_ARGUMENTS = frozenset(("lang", "page", "q", "area", "horizon", "group", "state", "completion", "sector",
                            "measure"))
# The pages that read the coalition's date (a state's upcoming engagements): their tag holds it too.
DATED_PAGES = frozenset(("portal.state",))
ROOT = Path(__file__).resolve().parent.parent.parent
_release: list[str] = []
# Whole answers this process keeps, by tag (about 30 kB each), newest used last.
PAGES_KEPT = 200
_pages: OrderedDict[str, tuple[str, str, str]] = OrderedDict()


def is_portal_path(path: str) -> bool:
    return path == PORTAL_PREFIX or path.startswith(PORTAL_PREFIX + "/") or path in PORTAL_FILES


def chosen_language() -> str:
    """?lang=, then Accept-Language, then Spanish: never a cookie, never a person's setting."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def portal_url(endpoint: str, **values) -> str:
    """url_for that keeps a language chosen with ?lang= (the portal has no cookie to remember it)."""
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"] and "lang" not in values:
        values["lang"] = chosen
    return url_for(endpoint, **values)


def release() -> str:
    """What, besides the data, a page is made of: its templates, the translations, the code and the
    settings it shows (the public address, the licence), so a deploy or a new setting is a new tag."""
    if not _release:
        digest = hashlib.sha256()
        # All templates and code, not just the portal's: its pages use the shared macros, charts, filters.
        for folder in (ROOT / "templates", ROOT / "coalition"):
            for path in sorted(folder.rglob("*")):
                if path.is_file() and path.suffix in (".html", ".xml", ".txt", ".py", ".mo"):
                    digest.update(path.name.encode())
                    digest.update(path.read_bytes())
        _release.append(digest.hexdigest())
    settings = "|".join(f"{name}={current_app.config.get(name)}"
                        for name in ("BASE_URL", "OPEN_DATA_LICENSE", "PORTAL_MAX_AGE", "COALITION_TIMEZONE"))
    return hashlib.sha256(f"{_release[0]}|{settings}".encode()).hexdigest()[:16]


def page_query() -> str:
    """The query arguments a portal page reads, in one order: `?utm=…` or a shuffled order is the same
    page, so the same tag and the same cached copy, not a new one to build."""
    pairs = sorted((key, value) for key, values in request.args.lists() if key in PAGE_ARGUMENTS
                   for value in values)
    return urlencode(pairs)


def _tag(version: int, changed_at: datetime | None) -> str:
    # The version's time too: a database restored or replaced never reuses a tag for other data.
    material = "|".join((str(version), changed_at.isoformat() if changed_at else "", chosen_language(),
                         request.path, page_query(), release(),
                         coalition_today().isoformat() if request.endpoint in DATED_PAGES else ""))
    return '"' + hashlib.sha256(material.encode()).hexdigest()[:32] + '"'


def public(view):
    """Serve `view` as a public, cacheable portal response, or 304 when the client's copy is current."""

    @functools.wraps(view)
    def wrapper(**kwargs):
        stamp = cache.stamp()
        if stamp is None:  # no version row: nothing can be proven fresh, so nothing is cached
            response = make_response(view(**kwargs))
            response.headers["Cache-Control"] = "no-cache"
            return response
        version, changed_at = stamp
        g.portal_version, g.portal_changed_at = version, changed_at
        etag = _tag(version, changed_at)
        # Only the exact tag: "*" would answer 304 for a page that does not exist.
        if request.if_none_match and not request.if_none_match.star_tag and \
                request.if_none_match.contains_weak(etag.strip('"')):
            response = current_app.response_class(status=304)
        else:
            body, mimetype, disposition = _page(etag, version, lambda: _rendered(view(**kwargs)))
            response = current_app.response_class(body, mimetype=mimetype)
            if disposition:
                response.headers["Content-Disposition"] = disposition
        response.headers["ETag"] = etag
        if changed_at is not None:
            response.last_modified = changed_at.astimezone(UTC) if changed_at.tzinfo else changed_at.replace(tzinfo=UTC)
        _cacheable(response)
        return response

    return wrapper


def _page(etag: str, version: int, render) -> tuple[str, str, str]:
    """The whole answer under its tag: from this process's own copies, else the dashboards' exact
    cache (shared by every process), else rendered. The tag holds the data version, read from the
    database on every request, so no copy can outlive a change; a warm page is one small query and a
    dictionary lookup. A 404 raises through and is never kept."""
    if not current_app.config.get("DASHBOARD_CACHE", True):
        return render()
    if etag in _pages:
        _pages.move_to_end(etag)
        return _pages[etag]
    page = tuple(cache.cached(("portal", etag), render, at_version=version))
    _pages[etag] = page
    while len(_pages) > PAGES_KEPT:
        _pages.popitem(last=False)
    return page


def _rendered(result) -> tuple[str, str, str]:
    """A view's answer as plain data the cache can hold: its body, type and any download name."""
    response = make_response(result)
    return response.get_data(as_text=True), response.mimetype, response.headers.get("Content-Disposition", "")


def portal_cached(parts: tuple, compute):
    """`compute()` through the dashboards' exact cache, at the version this request read."""
    changed_at = g.get("portal_changed_at")
    return cache.cached(("portal", changed_at.isoformat() if changed_at else "", *parts), compute,
                        at_version=g.get("portal_version"))


def _cacheable(response) -> None:
    max_age = current_app.config["PORTAL_MAX_AGE"]
    # By default a copy is checked with the server every time (a 304 when it is current), so a publish
    # or an unpublish is seen on the very next request, through any browser or shared cache.
    response.headers["Cache-Control"] = f"public, max-age={max_age}" + (", must-revalidate" if not max_age else "")
    response.vary.add("Accept-Language")


class PortalSessionInterface(SecureCookieSessionInterface):
    """The usual signed-cookie session, except on the portal, where there is none at all."""

    def open_session(self, app, request):
        if is_portal_path(request.path):
            return None  # Flask then uses a null session, which is never saved
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = PortalSessionInterface()
    app.jinja_env.globals.update(portal_url=portal_url, portal_absolute_url=absolute_url, portal_here=here)

    def anonymous_on_the_portal():
        if is_portal_path(request.path):
            # Whoever asks, the portal answers as to the public: no cookie is read to find a person.
            g._login_user = app.login_manager.anonymous_user()

    # First of all hooks, before anything could look for the person behind a cookie.
    app.before_request_funcs.setdefault(None, []).insert(0, anonymous_on_the_portal)

    def no_cookie_on_the_portal(response):
        if is_portal_path(request.path):
            if response.headers.get("Set-Cookie"):
                log.error("a portal response tried to set a cookie on %s; dropped", request.path)
                del response.headers["Set-Cookie"]
            if response.status_code == 404:
                # A missing or unpublished item: the same answer either way, cacheable like a page.
                _cacheable(response)
        return response

    # The very last after_request hook (they run in reverse), so nothing after it can add a cookie.
    app.after_request_funcs.setdefault(None, []).insert(0, no_cookie_on_the_portal)


def absolute_url(endpoint: str, **values) -> str:
    """A portal address under BASE_URL, the coalition's public address. Never the request's Host
    header: a page shared through caches must not carry whatever host a client claimed."""
    return current_app.config["BASE_URL"].rstrip("/") + portal_url(endpoint, **values)


def here(lang: str | None = None, absolute: bool = False, keep_query: bool = True) -> str:
    """This page's address in `lang` (default: as asked), with its filters unless keep_query is false."""
    if request.url_rule is None or not request.endpoint:  # an unknown address: the portal's home
        endpoint, values = "portal.home", {}
    else:
        endpoint, values = request.endpoint, dict(request.view_args or {})
    query = {k: v for k, v in request.args.items() if k != "lang" and k in PAGE_ARGUMENTS} if keep_query else {}
    chosen = lang or (request.args.get("lang") if request.args.get("lang") in current_app.config["LANGUAGES"]
                      else None)
    if chosen:
        query["lang"] = chosen
    path = url_for(endpoint, **values)
    if query:
        path += "?" + urlencode(sorted(query.items()))
    return current_app.config["BASE_URL"].rstrip("/") + path if absolute else path
