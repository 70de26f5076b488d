"""The portal's machine-readable doors: the Atom feed of published changes, sitemap.xml and robots.txt.

Every address in them is absolute under BASE_URL (coalition.portal.http.absolute_url), never the
request's Host header, since shared caches keep these documents for everyone. The XML is built with
ElementTree, which escapes every text and attribute; characters XML 1.0 cannot carry are dropped.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _

from coalition.consultations.models import Consultation
from coalition.dashboards import cache
from coalition.deliverables.models import STATUSES, Deliverable
from coalition.extensions import db
from coalition.groups.models import WorkingGroup
from coalition.policy.models import Instrument
from coalition.portal import changes, publication
from coalition.portal.http import absolute_url
from coalition.recommendations.models import RECOMMENDATION_STATES, Recommendation, RecommendationDeliverable
from coalition.states.models import CHAPTERS
from coalition.templating import language

FEED_ENTRIES = 50
ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
LANGUAGES = ("es", "en")
# What XML 1.0 cannot hold at all, not even escaped: most control characters, lone surrogates.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _clean(text) -> str:
    return _NOT_XML.sub("", str(text or ""))


def _instant(value: datetime | None) -> str:
    moment = value or _EPOCH
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _child(parent: ET.Element, tag: str, text=None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _clean(value) for key, value in attributes.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _document(root: ET.Element) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _version_time() -> datetime | None:
    found = cache.stamp()
    return found[1] if found else None


def _entry_id(key: str) -> str:
    """A change's entry id: the same in both languages and for good (its key never changes)."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for("portal.feed") + "#" + key


# --- the Atom feed ----------------------------------------------------------------------------------

def _summary(change: changes.Change) -> str:
    if change.kind == "consultation":
        return _("The consultation's results were published.")
    if change.kind == "deliverable":
        status = str(STATUSES.get(change.status, change.status or ""))
        if change.action == "published":
            return _("Deliverable published: %(status)s, %(progress)s%% done.", status=status,
                     progress=change.progress or 0)
        return _("Deliverable progress recorded: %(status)s, %(progress)s%% done.", status=status,
                 progress=change.progress or 0)
    state = str(RECOMMENDATION_STATES.get(change.state, change.state or ""))
    said = {
        "publish": _("Recommendation published."),
        "state": _("The recommendation's state changed."),
        "answer": _("The recommendation's public answer changed."),
        "edit": _("The recommendation's text changed."),
        "sources": _("The recommendation's sources in the consultation changed."),
        "merge": _("The recommendation was merged."),
        "deliverable_link": _("A deliverable now carries the recommendation out."),
        "deliverable_unlink": _("A deliverable no longer carries the recommendation out."),
    }.get(change.action, _("The recommendation changed."))
    return _("%(what)s State: %(state)s.", what=said, state=state) if state else said


def _deliverable_homes(deliverable_ids: set) -> dict:
    """Where each deliverable is shown, as url_for arguments: a deliverable has no page of its own, so
    the (first) published recommendation it carries out, where its completion and milestones are, or
    else its working group's page. One query."""
    if not deliverable_ids:
        return {}
    rows = db.session.execute(
        sa.select(Deliverable.id, WorkingGroup.slug, sa.func.min(Recommendation.id))
        .join(WorkingGroup, WorkingGroup.id == Deliverable.group_id)
        .outerjoin(RecommendationDeliverable, RecommendationDeliverable.deliverable_id == Deliverable.id)
        .outerjoin(Recommendation, sa.and_(Recommendation.id == RecommendationDeliverable.recommendation_id,
                                           publication.recommendation_public()))
        .where(Deliverable.id.in_(deliverable_ids))
        .group_by(Deliverable.id, WorkingGroup.slug)).all()
    return {deliverable_id: ("portal.recommendation", {"recommendation_id": rec_id}) if rec_id is not None
            else ("portal.group", {"slug": slug}) for deliverable_id, slug, rec_id in rows}


def atom() -> object:
    """The latest published changes as an Atom 1.0 feed, in the chosen language."""
    lang = language()
    latest = changes.latest(FEED_ENTRIES)
    homes = _deliverable_homes({change.subject_id for change in latest if change.kind == "deliverable"})

    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": lang})
    _child(feed, "id", absolute_url("portal.feed", lang=lang))
    _child(feed, "title", _("Changes to the agenda") + " · " + _("Coalition"))
    _child(feed, "subtitle", _("What the coalition published: recommendations, deliverables and consultation "
                               "results."))
    _child(feed, "updated", _instant(latest[0].at if latest else _version_time()))
    _child(feed, "link", rel="self", type="application/atom+xml", href=absolute_url("portal.feed"))
    _child(feed, "link", rel="alternate", type="text/html", href=absolute_url("portal.home"))
    author = _child(feed, "author")
    _child(author, "name", _("Coalition"))
    _child(author, "uri", absolute_url("portal.home", lang=None))
    for change in latest:
        if change.kind == "recommendation":
            link = absolute_url("portal.recommendation", recommendation_id=change.subject_id)
        elif change.kind == "consultation":
            link = absolute_url("portal.consultation", slug=change.subject_id)
        elif change.subject_id in homes:
            endpoint, values = homes[change.subject_id]
            link = absolute_url(endpoint, **values)
        else:
            link = absolute_url("portal.home")
        entry = _child(feed, "entry")
        _child(entry, "id", _entry_id(change.key))
        _child(entry, "title", change.title_in(lang))
        _child(entry, "updated", _instant(change.at))
        _child(entry, "link", rel="alternate", type="text/html", href=link)
        _child(entry, "summary", _summary(change), type="text")
    response = current_app.response_class(_document(feed), mimetype="application/atom+xml")
    return response


# --- sitemap.xml and robots.txt ---------------------------------------------------------------------

def _url(urlset: ET.Element, endpoint: str, lastmod: datetime | None = None, **values) -> None:
    """The page in each language, each naming the others as its alternates."""
    addresses = {code: absolute_url(endpoint, lang=code, **values) for code in LANGUAGES}
    for code in LANGUAGES:
        url = _child(urlset, "url")
        _child(url, "loc", addresses[code])
        if lastmod is not None:
            _child(url, "lastmod", _instant(lastmod))
        for other in LANGUAGES:
            _child(url, "xhtml:link", rel="alternate", hreflang=other, href=addresses[other])
        _child(url, "xhtml:link", rel="alternate", hreflang="x-default",
               href=absolute_url(endpoint, lang=None, **values))


def sitemap() -> object:
    """Every public page of the portal, in both languages, with when it last changed where known."""
    changed = _version_time()
    recommendations = db.session.execute(
        sa.select(Recommendation.id, Recommendation.updated_at, Recommendation.published_at)
        .where(publication.recommendation_public()).order_by(Recommendation.id)).all()
    groups = db.session.scalars(sa.select(WorkingGroup.slug).order_by(WorkingGroup.position, WorkingGroup.id)).all()
    consultations = db.session.execute(
        sa.select(Consultation.slug, Consultation.results_published_at)
        .where(publication.results_public()).order_by(Consultation.slug)).all()

    instruments = db.session.execute(
        sa.select(Instrument.id, Instrument.updated_at, Instrument.published_at)
        .where(publication.instrument_public()).order_by(Instrument.id)).all()

    urlset = ET.Element("urlset", {"xmlns": SITEMAP, "xmlns:xhtml": XHTML})
    for endpoint in ("portal.home", "portal.agenda", "portal.members", "portal.data", "portal.states"):
        _url(urlset, endpoint, changed)
    for code in CHAPTERS:
        _url(urlset, "portal.state", code=code)
    for instrument_id, updated_at, published_at in instruments:
        _url(urlset, "portal.instrument", max(filter(None, (updated_at, published_at)), default=None),
             instrument_id=instrument_id)
    for rec_id, updated_at, published_at in recommendations:
        _url(urlset, "portal.recommendation", max(filter(None, (updated_at, published_at)), default=None),
             recommendation_id=rec_id)
    for slug in groups:
        _url(urlset, "portal.group", slug=slug)
    for slug, published_at in consultations:
        _url(urlset, "portal.consultation", published_at, slug=slug)
    return current_app.response_class(_document(urlset), mimetype="application/xml")


def robots() -> object:
    """robots.txt: crawl the portal, not the members' area nor the API; where the sitemap is."""
    portal = url_for("portal.home")
    lines = [
        "User-agent: *",
        # The most specific rule wins (RFC 9309); the Allow lines come first for older crawlers too.
        f"Allow: {portal}$",
        f"Allow: {portal}/",
        f"Allow: {url_for('portal.sitemap')}",
        f"Allow: {url_for('static', filename='')}",
        "Disallow: /api/",
        "Disallow: /",
        "",
        f"Sitemap: {absolute_url('portal.sitemap', lang=None)}",
    ]
    return current_app.response_class("\n".join(lines) + "\n", mimetype="text/plain")
