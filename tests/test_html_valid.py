"""Every page is valid HTML, as the W3C's Nu Html Checker (vnu) reads it.

The pages come from the route map: every GET route outside the API, with its parameters filled from
the demo coalition, seen by an admin, a member and an anonymous visitor, in Spanish and English.
Each distinct page is written to a file and the checker runs once over all of them. A route whose
parameters this module cannot fill fails the suite, so a new page is checked from its first day.

The checker is the npm package `vnu-jar`, pinned in the Makefile (`make vnu` installs it under
~/.cache/coalition-vnu; VNU_JAR points elsewhere). Without it or without Java the test skips, and
fails when CI=true.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from coalition import create_app
from coalition.extensions import db
from tests.conftest import IN_CI, IsolatedClient, csrf_token
from tests.consultations.helpers import html_world
from tests.recommendations.conftest import html_world as agenda_html_world
from tests.policy import html_world as policy_html_world

VNU_JAR = Path(os.environ.get("VNU_JAR") or
               Path.home() / ".cache" / "coalition-vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")
PASSWORD = "coalition-demo"
LANGUAGES = ("es", "en")
ROLES = {"anonymous": None, "member": "member@example.org", "admin": "admin@example.org"}

# GET routes that serve no HTML page, with the reason.
NOT_PAGES = {
    "static": "files, not pages",
    "home.healthz": "JSON",
    "home.readyz": "JSON",
    "metrics": "Prometheus text",
    "dashboards.coalition_csv": "CSV",
    "dashboards.group_csv": "CSV",
    "meetings.calendar_file": "iCalendar",
    "imports.contributions_csv": "CSV",
}

# Checker warnings allowed on purpose: (a regular expression over the message, the reason). Errors never are.
ALLOWED_WARNINGS = [
    (r"Consider using the “h1” element as a top-level heading only",
     "Markdown bodies (minutes, descriptions) keep the headings their authors wrote, inside the page's own h1"),
]


def _ids(member_id: int) -> dict:
    from coalition.auth.models import User
    from coalition.deliverables.models import Deliverable, Milestone
    from coalition.groups.models import WorkingGroup
    from coalition.institutions.models import Institution
    from coalition.meetings.models import Decision, Meeting, MinutesRevision

    ethics = db.session.scalar(sa.select(WorkingGroup.id).where(WorkingGroup.slug == "ethics"))

    def first(query):
        return db.session.scalar(query.limit(1))

    return {
        # The member's own deliverable (the update form), and one with milestones (their forms).
        "own_deliverable": first(sa.select(Deliverable.id).where(Deliverable.owner_id == member_id)
                                 .order_by(Deliverable.id)),
        "milestones_deliverable": first(sa.select(Milestone.deliverable_id).join(Deliverable)
                                        .where(Deliverable.group_id == ethics).order_by(Milestone.deliverable_id)),
        # A held meeting with minutes and decisions, an upcoming one and a cancelled one.
        "held_meeting": first(sa.select(Meeting.id).where(Meeting.group_id == ethics, Meeting.status == "held",
                                                          Meeting.id.in_(sa.select(MinutesRevision.meeting_id)),
                                                          Meeting.id.in_(sa.select(Decision.meeting_id)))
                              .order_by(Meeting.starts_at.desc())),
        "upcoming_meeting": first(sa.select(Meeting.id).where(Meeting.group_id == ethics,
                                                              Meeting.status == "scheduled")
                                  .order_by(Meeting.starts_at)),
        "cancelled_meeting": first(sa.select(Meeting.id).where(Meeting.status == "cancelled")),
        "institution": first(sa.select(Institution.id).where(Institution.active.is_(True)).order_by(Institution.id)),
        "person": member_id,
        "admin": first(sa.select(User.id).where(User.role == "admin")),
        **_analysis_ids(),
    }


def _analysis_ids() -> dict:
    """A consultation with themes, contributions and a hidden one: the demo's, else one made here."""
    from coalition.consultations.models import Consultation, Contribution, Theme
    from tests.analysis import factories as consult

    slug = "consulta-nacional-ia"
    consultation = db.session.scalar(sa.select(Consultation).where(Consultation.slug == slug))
    if consultation is None:
        consultation = consult.consultation(("ethics", "governance"), slug=slug)
        rec = consult.recommendation()
        consult.put_up_for_comment(consultation, rec)
        theme = consult.theme(consultation, "Educación")
        for n in range(12):
            item = consult.contribution(consultation, f"Opinión {n} sobre datos abiertos", comment=(rec, "De acuerdo"),
                                        sector=("academia", "industry")[n % 2], choice=1 + n % 2)
            if n % 3 == 0:
                consult.code(item, theme)
        consult.contribution(consultation, "Publicidad", hidden_at=consult.factories.days_ago(1),
                             hidden_reason="Spam")
    ids = sa.select(Contribution.id).where(Contribution.consultation_id == consultation.id)
    return {"consultation": slug,
            "theme": db.session.scalar(sa.select(Theme.id).where(Theme.consultation_id == consultation.id).limit(1)),
            "contribution": db.session.scalar(ids.where(Contribution.hidden_at.is_(None)).limit(1)),
            "hidden_contribution": db.session.scalar(ids.where(Contribution.hidden_at.is_not(None)).limit(1))}


def _tokens(admin, member) -> dict:
    """Real one-time tokens, so the anonymous token pages show their forms rather than a 404."""
    from coalition.auth import services as auth
    from coalition.notifications.digests import unsubscribe_token
    from coalition.notifications.models import OutboxMessage

    _, invitation = auth.invite(admin, email="nueva.persona@example.org", name="Nueva Persona")
    auth.request_password_reset(member.email)
    body = db.session.scalars(sa.select(OutboxMessage.text_body).where(OutboxMessage.kind == "password-reset")
                              .order_by(OutboxMessage.id.desc())).first()
    reset = re.search(r"/password/reset/(\S+)", body).group(1)
    return {"invitation": invitation, "reset": reset, "unsubscribe": unsubscribe_token(member.id),
            **_pending_imports(admin)}


def _pending_imports(admin) -> dict:
    """A file of each kind kept for its preview by the admin, one of its rows in error."""
    from coalition.imports import services as imports

    institutions = b"name,acronym,sector,state\nInstituto Nuevo,INU,academia,JAL\nSin Sector,,,CMX\n"
    people = b"email,name,institution,role,groups\nnueva@example.org,Nueva,,member,ethics\nno-es-correo,X,,,\n"
    contributions = "external_id,channel,sector,state,q1,q2\nT-1,taller,academia,JAL,Datos,1\nT-2,,,,,9\n".encode()
    return {"institutions_import": imports.keep(admin, "institutions", institutions, "i.csv", {}).id,
            "people_import": imports.keep(admin, "people", people, "p.csv", {}).id,
            "contributions_import": imports.keep(admin, "contributions", contributions, "c.csv",
                                                 {"consultation": "consulta-nacional-ia"}).id}


# endpoint -> the paths that show its page (as many variants as its template has), from the World.
PATHS = {
    "auth.user_detail": lambda w: [f"/admin/users/{w['person']}", f"/admin/users/{w['admin']}"],
    "audit.index": lambda w: ["/admin/audit", "/admin/audit?family=deliverables"],
    "auth.users": lambda w: ["/admin/users", "/admin/users?role=member&q=a"],
    "auth.reauthenticate": lambda w: ["/reauthenticate?next=/admin/users"],
    "auth.accept_invitation": lambda w: [f"/invitations/{w['invitation']}"],
    "auth.reset_password": lambda w: [f"/password/reset/{w['reset']}"],
    "notifications.unsubscribe_page": lambda w: [f"/unsubscribe/{w['unsubscribe']}"],
    # Issue 18: the digest's settings and preview (the member's digest, the admin's coordinator figures).
    "notifications.digest_settings": lambda w: ["/settings/digest"],
    "imports.institutions_preview": lambda w: [f"/institutions/import/{w['institutions_import']}"],
    "imports.people_preview": lambda w: [f"/people/import/{w['people_import']}"],
    "imports.contributions_upload": lambda w: ["/consultations/consulta-nacional-ia/import"],
    "imports.contributions_preview": lambda w: [
        f"/consultations/consulta-nacional-ia/import/{w['contributions_import']}"],
    "dashboards.coalition": lambda w: ["/dashboard", "/dashboard?sector=academia"],
    "dashboards.group": lambda w: ["/groups/ethics/dashboard"],
    "groups.detail": lambda w: ["/groups/ethics", "/groups/governance", "/groups/ethics?person_q=a"],
    "deliverables.index": lambda w: ["/deliverables", "/deliverables?group=ethics&status=in_progress",
                                     "/deliverables?owner=me", "/deliverables?overdue=true"],
    "deliverables.detail": lambda w: [f"/deliverables/{w['own_deliverable']}",
                                      f"/deliverables/{w['milestones_deliverable']}"],
    "deliverables.edit": lambda w: [f"/deliverables/{w['own_deliverable']}/edit"],
    "deliverables.create": lambda w: ["/groups/ethics/deliverables/new"],
    "institutions.index": lambda w: ["/institutions", "/institutions?sector=academia&state=JAL&page=2"],
    "institutions.detail": lambda w: [f"/institutions/{w['institution']}"],
    "institutions.edit": lambda w: [f"/institutions/{w['institution']}/edit"],
    "meetings.detail": lambda w: [f"/meetings/{w['held_meeting']}", f"/meetings/{w['upcoming_meeting']}",
                                  f"/meetings/{w['cancelled_meeting']}"],
    "meetings.edit": lambda w: [f"/meetings/{w['upcoming_meeting']}/edit"],
    "meetings.new": lambda w: ["/groups/ethics/meetings/new"],
    # Consultations (issue 13): open, draft and closed ones, their editors, and receipts with and without a trace.
    "consultations.detail": lambda w: [f"/consultations/{html_world(w)[k]}" for k in
                                       ("consultation_slug", "draft_slug", "closed_slug")],
    "consultations.receipt": lambda w: [f"/receipts/{html_world(w)[k]}" for k in ("receipt_code", "traced_code")],
    "consultations.edit": lambda w: [f"/consultations/{html_world(w)['draft_slug']}/edit"],
    "consultations.questions": lambda w: [f"/consultations/{html_world(w)[k]}/questions" for k in
                                          ("draft_slug", "consultation_slug")],
    "consultations.edit_question": lambda w: [
        f"/consultations/{html_world(w)['draft_slug']}/questions/{html_world(w)['draft_question']}"],
    "consultations.recommendations": lambda w: [f"/consultations/{html_world(w)['draft_slug']}/recommendations"],
    # Issue 13: the agenda (tests.recommendations.conftest.html_world makes its recommendations once).
    "recommendations.detail": lambda w: [f"/recommendations/{agenda_html_world(w)['rec_full']}",
                                         f"/recommendations/{agenda_html_world(w)['rec_merged']}",
                                         f"/recommendations/{agenda_html_world(w)['rec_child']}"],
    "recommendations.edit": lambda w: [f"/recommendations/{agenda_html_world(w)['rec_full']}/edit"],
    "recommendations.new": lambda w: ["/recommendations/new",
                                      f"/recommendations/new?consultation={agenda_html_world(w)['rec_consultation']}"
                                      f"&theme={agenda_html_world(w)['rec_theme']}"],
    "recommendations.index": lambda w: ["/recommendations", "/recommendations?area=ethics&horizon=short&q=zzz"],
    "analysis.themes": lambda w: [f"/consultations/{w['consultation']}/themes"],
    "analysis.edit_theme": lambda w: [f"/consultations/{w['consultation']}/themes/{w['theme']}/edit"],
    "analysis.coding": lambda w: [f"/consultations/{w['consultation']}/coding",
                                  f"/consultations/{w['consultation']}/coding?group=all"],
    "analysis.contributions": lambda w: [f"/consultations/{w['consultation']}/contributions",
                                         f"/consultations/{w['consultation']}/contributions?q=datos&theme=uncoded"
                                         "&question=2&answer=1&hidden=include",
                                         f"/consultations/{w['consultation']}/contributions?q=nadie-dijo-esto"],
    "analysis.contribution": lambda w: [f"/consultations/{w['consultation']}/contributions/{w['contribution']}",
                                        f"/consultations/{w['consultation']}/contributions/{w['hidden_contribution']}"],
    "analysis.figures": lambda w: [f"/consultations/{w['consultation']}/figures"],
    # The portal's open data (issue 14): files and schemas, not pages, fetched so none answers an error.
    "portal.data_file": lambda w: [f"/public/data/{name}.{ext}" for name in ("recommendations", "deliverables")
                                   for ext in ("csv", "json")],
    "portal.schema": lambda w: ["/public/data/schema/recommendations.json", "/public/data/schema/deliverables.json"],
    # Issue 14, the portal's agenda, a recommendation and a consultation's results (tests/portal/test_agenda.py).
    "portal.agenda": lambda w: ["/public/agenda", "/public/agenda?area=ethics&completion=none&q=zzz",
                                "/public/agenda?area=x&page=-1&completion=substantial"],
    "portal.recommendation": lambda w: [
        f"/public/recommendations/{__import__('tests.portal.test_agenda', fromlist=['_']).html_world(w)[k]}"
        for k in ("portal_rec", "portal_merged")],
    "portal.consultation": lambda w: [
        f"/public/consultations/{__import__('tests.portal.test_agenda', fromlist=['_']).html_world(w)['portal_consultation']}"],
    "portal.members": lambda w: ["/public/members", "/public/members?sector=academia&state=JAL&q=a&page=2",
                                 "/public/members?q=nadie-se-llama-asi"],
    "portal.group": lambda w: ["/public/groups/ethics", "/public/groups/abroad"],
    # Issue 15: the map by each measure, a state's page (with and without records, abroad) and an instrument's.
    "portal.states": lambda w: ["/public/states", "/public/states?measure=contributions",
                                "/public/states?measure=instruments", "/public/states?measure=members_per_million"],
    "portal.state": lambda w: __import__('tests.portal.test_instrument_page', fromlist=['_']).html_world(w)[
        "portal_states"],
    "portal.instrument": lambda w: [
        f"/public/instruments/{__import__('tests.portal.test_instrument_page', fromlist=['_']).html_world(w)[k]}"
        for k in ("portal_instrument", "portal_law")],
    # Issue 15: the map by every measure, and a chapter with members, one abroad and one empty.
    "states.index": lambda w: ["/states", "/states?measure=contributions", "/states?measure=instruments",
                               "/states?measure=members_per_million"],
    "states.detail": lambda w: ["/states/JAL", "/states/abroad", "/states/ZAC?people_page=2&person_q=a"],
    # Issue 15: instrument and engagement imports, a file kept for its preview with a row in error.
    "imports.instruments_preview": lambda w: [f"/instruments/import/{_policy_imports(w)['instruments']}"],
    "imports.engagements_preview": lambda w: [f"/engagements/import/{_policy_imports(w)['engagements']}"],
    # Issue 15, policy uptake (tests.policy.html_world: the demo's records, or ones made here).
    "policy.index": lambda w: ["/instruments", "/instruments?kind=strategy&state=JAL&stage=approved",
                               "/instruments?q=nadie-lo-llamo-asi"],
    "policy.instrument": lambda w: [f"/instruments/{policy_html_world(w)['policy_instrument']}"],
    "policy.edit_instrument": lambda w: [f"/instruments/{policy_html_world(w)['policy_instrument']}/edit"],
    "policy.engagements": lambda w: ["/engagements", "/engagements?state=JAL&upcoming=1&q=zzz"],
    "policy.new_engagement": lambda w: ["/engagements/new",
                                        f"/engagements/new?instrument={policy_html_world(w)['policy_instrument']}"],
    "policy.engagement": lambda w: [f"/engagements/{policy_html_world(w)[k]}"
                                    for k in ("policy_engagement", "policy_approved_engagement")],
    "policy.edit_engagement": lambda w: [f"/engagements/{policy_html_world(w)['policy_engagement']}/edit"],
}
# Pages no route leads to on purpose: the error pages.
EXTRA_PATHS = ["/deliverables/999999999", "/no-such-page"]
# Forms shown again with their errors (role, path, fields, the status expected): the pages' error states,
# where the field macros add aria-describedby and error ids.
INVALID_FORMS = [
    ("anonymous", lambda w: "/login", {"email": "nobody@example.org", "password": "wrong password"}, 422),
    ("admin", lambda w: f"/deliverables/{w['own_deliverable']}", {"status": "lost", "progress": "200"}, 422),
    ("admin", lambda w: f"/deliverables/{w['own_deliverable']}",
     {"status": "in_review", "progress": "50", "note": "", "version": "999"}, 409),
    ("admin", lambda w: "/groups/ethics/deliverables/new", {"title": "", "owner_id": ""}, 422),
    ("admin", lambda w: f"/deliverables/{w['milestones_deliverable']}/milestones", {"title": ""}, 422),
    ("admin", lambda w: "/groups/ethics/members", {"user_id": ""}, 422),
    ("admin", lambda w: "/groups/ethics/meetings/new", {"title": "", "duration_minutes": "-5"}, 422),
    ("admin", lambda w: f"/meetings/{w['held_meeting']}/decisions", {"text": ""}, 422),
    ("admin", lambda w: "/institutions/new", {"name": "", "sector": "industry"}, 422),
    ("admin", lambda w: "/recommendations/new", {"group": "ethics", "area": "moon", "title_es": ""}, 422),
    ("admin", lambda w: f"/recommendations/{agenda_html_world(w)['rec_full']}/decision",
     {"state": "rejected", "answer_es": "", "answer_en": "", "version": "1"}, 422),
    ("member", lambda w: "/settings", {"name": "", "timezone": "Mars/Olympus"}, 422),
    ("anonymous", lambda w: f"/consultations/{html_world(w)['consultation_slug']}",
     {"q1": "", "q2": "9", "sector": "", "consent": ""}, 422),
    ("anonymous", lambda w: f"/consultations/{html_world(w)['closed_slug']}", {"q1": "Tarde"}, 410),
    ("admin", lambda w: "/consultations/new", {"slug": "Mal Slug", "title_es": ""}, 422),
    ("admin", lambda w: f"/consultations/{html_world(w)['draft_slug']}/questions",
     {"kind": "single", "prompt_es": "", "choices_es": "Solo una"}, 422),
    ("admin", lambda w: f"/consultations/{w['consultation']}/themes", {"name_es": "", "name_en": ""}, 422),
    ("admin", lambda w: f"/consultations/{w['consultation']}/contributions/{w['contribution']}/hide",
     {"reason": ""}, 422),
    ("member", lambda w: "/settings/password", {"current_password": "wrong", "new_password": "short"}, 422),
    ("member", lambda w: "/settings/digest", {"digest_frequency": "monthly", "digest_weekday": "9",
                                              "digest_hour": "8", "muted": "999999"}, 422),
    # Issue 14: what the public portal shows, and who decides.
    ("admin", lambda w: f"/deliverables/{w['own_deliverable']}/portal",
     {"public": "y", "public_summary_es": "", "completion_override": "complete", "completion_note": "",
      "version": "1"}, 422),
    ("admin", lambda w: f"/deliverables/{w['own_deliverable']}/portal",
     {"public": "y", "public_summary_es": "Resumen", "version": "999"}, 409),
    ("admin", lambda w: f"/consultations/{html_world(w)['consultation_slug']}/results",
     {"results_published": "y"}, 422),
    # Issue 15: naming a liaison with neither a person nor an address.
    ("admin", lambda w: "/states/JAL/liaisons", {"user_id": "", "email": ""}, 422),
    # Issue 15: policy uptake's forms with their errors, and a stale edit.
    ("admin", lambda w: f"/instruments/{policy_html_world(w)['policy_instrument']}/stages",
     {"stage": "proposed", "on": "2999-01-01", "note": ""}, 422),
    ("admin", lambda w: f"/instruments/{policy_html_world(w)['policy_instrument']}/uptakes",
     {"recommendation_id": "", "degree": "cited", "evidence_url": "ftp://x"}, 422),
    ("admin", lambda w: "/instruments/new", {"kind": "strategy", "jurisdiction": "municipal", "branch": "executive",
                                             "title_es": "", "source_url": "javascript:1"}, 422),
    ("admin", lambda w: f"/instruments/{policy_html_world(w)['policy_instrument']}/edit",
     {"kind": "law", "jurisdiction": "JAL", "branch": "legislative", "title_es": "Otra", "version": "999"}, 409),
    ("admin", lambda w: "/engagements/new", {"kind": "forum", "title": "", "held_on": "ayer", "jurisdiction": "JAL",
                                             "body": "", "institution_ids": "abc"}, 422),
    ("admin", lambda w: f"/engagements/{policy_html_world(w)['policy_engagement']}/follow-ups", {"text": ""}, 422),
    ("admin", lambda w: f"/engagements/{policy_html_world(w)['policy_engagement']}/approve", {"version": "999"}, 409),
]


def _page_routes(app) -> dict[str, list[str]]:
    """Every GET route outside the API: its endpoint and whether its rule has parameters."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.rule.startswith("/api/"):
            routes[rule.endpoint] = sorted(rule.arguments)
    return routes


def test_every_page_route_is_checked_or_excused():
    routes = _page_routes(create_app("testing"))
    unfilled = sorted(endpoint for endpoint, arguments in routes.items()
                      if arguments and endpoint not in PATHS and endpoint not in NOT_PAGES)
    assert not unfilled, f"GET routes whose parameters tests/test_html_valid.py cannot fill: {unfilled}"
    stale = sorted((set(PATHS) | set(NOT_PAGES)) - set(routes))
    assert not stale, f"entries for routes that no longer exist: {stale}"


def _with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


class Pages:
    """The distinct HTML pages seen, written to files, each with where it came from."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.origin: dict[str, str] = {}  # file name -> "role lang METHOD url → status"
        self._seen: set[str] = set()

    def keep(self, response, origin: str) -> None:
        if response.mimetype != "text/html" or 300 <= response.status_code < 400:
            return
        body = response.get_data()
        digest = hashlib.sha256(body).hexdigest()
        if digest not in self._seen:
            self._seen.add(digest)
            name = f"{len(self.origin):04d}.html"
            (self.directory / name).write_bytes(body)
            self.origin[name] = f"{origin} → {response.status_code}"


@pytest.fixture(scope="module")
def pages(template_db, tmp_path_factory) -> Pages:
    """Every page of the route map as each role sees it in each language, plus the forms' error states."""
    from coalition.auth.models import User
    from coalition.demo.seed import seed_demo

    path = tmp_path_factory.mktemp("html-valid") / "coalition.db"
    shutil.copy(template_db, path)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": True,
                                 "SERVER_NAME": None})
    app.test_client_class = IsolatedClient
    app.instance_path = str(tmp_path_factory.mktemp("html-valid-instance"))
    with app.app_context():
        seed_demo(1, password=PASSWORD)
        db.session.commit()
        users = {role: db.session.scalar(sa.select(User).where(User.email == email))
                 for role, email in ROLES.items() if email}
        world = {**_ids(users["member"].id), **_tokens(users["admin"], users["member"])}
        db.session.commit()
        paths = []
        for endpoint, arguments in sorted(_page_routes(app).items()):
            if endpoint in PATHS:
                paths += PATHS[endpoint](world)
            elif endpoint not in NOT_PAGES and not arguments:
                paths.append(app.url_map.bind("").build(endpoint))
        db.session.remove()

    pages = Pages(tmp_path_factory.mktemp("html-pages"))
    shown, failures = set(), []
    for role, email in ROLES.items():
        client = app.test_client()
        if email:
            response = client.post("/login", data={"email": email, "password": PASSWORD,
                                                   "csrf_token": csrf_token(client, "/login")})
            assert response.status_code == 302, f"{role} could not log in"
        for lang in LANGUAGES:
            for page in paths + EXTRA_PATHS:
                url = _with_lang(page, lang)
                response = client.get(url)
                if response.status_code == 200:
                    shown.add(page)
                elif role == "admin" and response.status_code >= 400 and page not in EXTRA_PATHS:
                    failures.append(f"GET {url} → {response.status_code} for the admin: fill its parameters better")
                pages.keep(response, f"{role} GET {url}")
            for form_role, path_for, data, expected in INVALID_FORMS:
                if form_role != role:
                    continue
                url = _with_lang(path_for(world), lang)
                token = csrf_token(client, "/settings" if email else "/login")
                response = client.post(url, data={**data, "csrf_token": token})
                if response.status_code != expected:
                    failures.append(f"POST {url} → {response.status_code}, not {expected}: not the error state meant")
                pages.keep(response, f"{role} POST {url}")
    failures += [f"GET {page} is a page for nobody: no role got a 200" for page in paths if page not in shown]
    assert not failures, "\n".join(failures)
    return pages


@pytest.fixture(scope="module")
def vnu() -> list[str]:
    """The command that runs the checker; without Java or the jar, a skip (a failure when CI=true)."""
    missing = None
    if not shutil.which("java"):
        missing = "java not found (apt-get install default-jre-headless)"
    elif not VNU_JAR.is_file():
        missing = f"the Nu Html Checker is not at {VNU_JAR} (make vnu, or set VNU_JAR)"
    if missing:
        if IN_CI:
            pytest.fail(f"the HTML validity check needs Java and vnu.jar, and CI=true: {missing}")
        pytest.skip(missing)
    return ["java", "-jar", str(VNU_JAR), "--format", "json"]


def test_every_page_is_valid_html(vnu, pages):
    files = [str(pages.directory / name) for name in sorted(pages.origin)]
    # One run over every file: the checker's start-up (about two seconds) is most of its time.
    result = subprocess.run([*vnu, *files], check=False, capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(result.stderr)  # vnu writes its report to stderr, and exits 1 on any error
    except json.JSONDecodeError:
        pytest.fail(f"the checker gave no report (exit {result.returncode}): {result.stderr[-2000:]}")
    problems: dict[str, list[str]] = {}
    for message in report["messages"]:
        text = message.get("message", "")
        if message["type"] == "info" and (message.get("subType") != "warning" or any(
                re.search(pattern, text) for pattern, _reason in ALLOWED_WARNINGS)):
            continue
        kind = "warning" if message["type"] == "info" else message["type"]  # error or non-document-error
        origin = pages.origin.get(Path(message.get("url", "")).name, message.get("url", ""))
        problems.setdefault(f"{kind}: {text}", []).append(
            f"    {origin}, line {message.get('lastLine')}: {message.get('extract', '').strip()[:120]}")
    assert not problems, f"the HTML checker found problems in {len(files)} pages:\n" + "\n".join(
        f"{summary} ({len(where)} times)\n" + "\n".join(where[:5]) for summary, where in problems.items())


def _policy_imports(world: dict) -> dict:
    """Issue 15: an instruments file and an engagements file kept by the admin, each with one bad row (once)."""
    if "_policy_imports" not in world:
        from coalition.auth.models import User
        from coalition.imports import services as imports

        admin = db.session.get(User, world["admin"])
        instruments = ("kind,jurisdiction,branch,title_es,stages\nstrategy,JAL,executive,Estrategia nueva,"
                       "proposed:2024-03-01\nmagia,SON,executive,Otra,\n").encode()
        engagements = ("kind,title,held_on,jurisdiction,body,institutions\nforum,Foro nuevo,2024-10-03,JAL,Congreso,"
                       "\nforum,Sin fecha,,JAL,Congreso,Nadie\n").encode()
        world["_policy_imports"] = {
            "instruments": imports.keep(admin, "instruments", instruments, "i.csv", {}).id,
            "engagements": imports.keep(admin, "engagements", engagements, "e.csv", {}).id}
        db.session.commit()
    return world["_policy_imports"]
