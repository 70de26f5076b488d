"""What a digest says: one line per changed deliverable, every item a link, the person's own work first,
a lead's duties, a subject that says what is inside; the text and HTML parts say the same things."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from coalition.deliverables.models import DeliverableUpdate
from coalition.extensions import db
from coalition.groups.models import GroupMembership
from coalition.meetings.models import Meeting
from coalition.notifications import digests
from coalition.notifications.models import DigestMute, OutboxMessage
from tests import factories

BASE = "http://coalition.test"


@pytest.fixture(autouse=True)
def base_url(app):
    app.config["BASE_URL"] = BASE


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def update(item, author, before: int, after: int, hours_ago: float, status=("in_progress", "in_progress"),
           note: str = "") -> None:
    db.session.add(DeliverableUpdate(deliverable_id=item.id, author_id=author.id, status_before=status[0],
                                     status_after=status[1], progress_before=before, progress_after=after,
                                     note=note, created_at=now() - timedelta(hours=hours_ago)))


def run_for(*people, at=None) -> dict[str, OutboxMessage]:
    """Queue the digests of a daily run from 00:00 (the people's last digest a week ago) and read them back."""
    at = at or now() + timedelta(minutes=1)
    for person in people:
        person.digest_frequency, person.digest_hour = "weekly", 0
        person.digest_weekday = digests._local(at, person.timezone).weekday()
        person.last_digest_at = at - timedelta(days=7)
    db.session.commit()
    digests.queue_digests(at)
    db.session.commit()
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
    return {row.recipient: row for row in rows}


def test_one_line_per_deliverable_with_its_net_change_authors_and_last_note(app):
    reader = factories.user(groups={"ethics": "member"}, language="en")
    ana, luis = (factories.user(groups={"ethics": "member"}, name=name) for name in ("Ana Ruiz", "Luis Pech"))
    call = factories.deliverable(owner=ana, title="Convocatoria piloto")
    update(call, ana, 27, 28, 72, note="Primer borrador")
    update(call, luis, 28, 29, 48)
    update(call, ana, 29, 30, 24, note="Versión para revisión " + "larga " * 60)
    flat = factories.deliverable(owner=ana, title="Agenda nacional")
    update(flat, ana, 54, 56, 30)
    update(flat, ana, 56, 54, 20)
    reviewed = factories.deliverable(owner=luis, title="Guía en revisión")
    update(reviewed, luis, 80, 80, 10, status=("in_progress", "in_review"))
    big = factories.deliverable(owner=luis, title="Gran salto")
    update(big, luis, 10, 50, 60)
    text = run_for(reader)[reader.email].text_body
    changed = text[text.index("WHAT CHANGED IN AI ETHICS"):text.index("--\n")]
    assert changed.count("Convocatoria piloto") == 1 and "Convocatoria piloto: 27% → 30%" in changed
    assert "by Ana Ruiz, Luis Pech" in changed and "“Versión para revisión larga" in changed and "…”" in changed
    assert "Agenda nacional" not in changed  # 54% → 54%, status unchanged: nothing to say
    assert "Guía en revisión: 80% → 80% · In progress → In review" in changed
    # The largest change first, then the most recent.
    order = [changed.index(t) for t in ("Gran salto", "Convocatoria piloto", "Guía en revisión")]
    assert order == sorted(order)
    assert f"{BASE}/deliverables/{call.id}" in changed


def test_a_change_only_the_reader_made_is_not_news_to_them(app):
    reader = factories.user(groups={"ethics": "member"}, language="en")
    mine = factories.deliverable(owner=reader, title="Lo que hice yo", due_date=factories.today() + timedelta(days=60))
    update(mine, reader, 10, 40, 5)
    other = factories.deliverable(title="Lo que hizo otra persona")
    update(other, other.owner, 10, 20, 5)
    text = run_for(reader)[reader.email].text_body
    assert "Lo que hice yo" not in text and "Lo que hizo otra persona: 10% → 20%" in text


def test_own_work_comes_first_with_a_link_to_its_update_form(app):
    reader = factories.user(groups={"ethics": "member"}, language="en")
    late = factories.deliverable(owner=reader, title="Atrasado", due_date=factories.today() - timedelta(days=3),
                                 status="in_progress")
    soon = factories.deliverable(owner=reader, title="Pronto", due_date=factories.today() + timedelta(days=2))
    factories.deliverable(owner=reader, title="Lejano", due_date=factories.today() + timedelta(days=40),
                          last_update_at=now())
    other = factories.deliverable(title="Ajeno")
    update(other, other.owner, 10, 20, 5)
    row = run_for(reader)[reader.email]
    text = row.text_body
    assert text.index("YOUR DELIVERABLES") < text.index("WHAT CHANGED")
    assert "Lejano" not in text
    for item in (late, soon):
        assert f"{BASE}/deliverables/{item.id}#update-heading" in text
        assert f'href="{BASE}/deliverables/{item.id}#update-heading"' in row.html_body
    assert "Atrasado" in text and "Overdue" in text and "due in 2 days" in text
    assert row.subject.startswith("1 overdue deliverable · 1 deliverable due this week · 1 change in AI Ethics")


def test_a_leads_digest_names_silent_members_and_meetings_awaiting_minutes(app):
    lead = factories.user(groups={"ethics": "lead"}, language="en")
    quiet = factories.user(groups={"ethics": "member"}, name="Callada Persona")
    busy = factories.user(groups={"ethics": "member"}, name="Activa Persona")
    newcomer = factories.user(groups={"ethics": "member"}, name="Recién Llegada")
    for person in (quiet, busy, lead):
        db.session.execute(sa.update(GroupMembership).where(GroupMembership.user_id == person.id)
                           .values(created_at=now() - timedelta(days=90)))
    item = factories.deliverable(owner=busy, title="Algo")
    update(item, busy, 10, 20, 24 * 10)
    held = factories.meeting(title="Sesión sin minuta", starts_at=now() - timedelta(days=4), status="held")
    factories.meeting(title="Sesión futura", starts_at=now() + timedelta(days=4))
    member = factories.user(groups={"ethics": "member"}, language="en")
    rows = run_for(lead, member)
    text = rows[lead.email].text_body
    silent = text[text.index("SILENT FOR A MONTH IN AI ETHICS"):]
    assert "Callada Persona" in silent and "Activa Persona" not in silent and "Recién Llegada" not in silent
    assert f"{BASE}/deliverables?group=ethics&owner={quiet.id}" in silent
    assert "Sesión sin minuta" in text and f"{BASE}/meetings/{held.id}#minutes" in text
    assert "1 meeting awaiting minutes" in rows[lead.email].subject
    assert "SILENT FOR A MONTH" not in rows[member.email].text_body  # only leads hear of it
    assert newcomer.id


def test_a_muted_group_brings_no_news_but_the_persons_own_work_still_comes(app):
    reader = factories.user(groups={"ethics": "member", "governance": "member"}, language="en")
    db.session.add(DigestMute(user_id=reader.id, group_id=factories.group("ethics").id))
    own = factories.deliverable(owner=reader, title="Mío", due_date=factories.today() + timedelta(days=1))
    ethics = factories.deliverable(title="Noticia de ética")
    update(ethics, ethics.owner, 10, 30, 5)
    governance = factories.deliverable("governance", title="Noticia de gobernanza")
    update(governance, governance.owner, 10, 30, 5)
    text = run_for(reader)[reader.email].text_body
    assert "Noticia de ética" not in text and "Noticia de gobernanza: 10% → 30%" in text
    assert "Mío" in text and own.id


def test_the_changes_cost_the_same_statements_with_one_or_forty_changed_deliverables(app):
    from tests.test_query_counts import count_queries

    reader = factories.user(groups={"ethics": "member"}, language="en")
    author = factories.user(groups={"ethics": "member"}, digest_frequency="off")

    def statements() -> int:
        at = now() + timedelta(minutes=1)
        reader.last_digest_at, reader.digest_hour = at - timedelta(days=7), 0
        reader.digest_weekday = digests._local(at, reader.timezone).weekday()
        db.session.commit()
        with count_queries() as seen:
            assert digests.queue_digests(at)["sent"] >= 1
        db.session.rollback()
        return len(seen)

    def grow(n: int) -> None:
        for _ in range(n):
            item = factories.deliverable(owner=author)
            update(item, author, 0, 5, 3)
            update(item, reader, 5, 9, 2)
        db.session.commit()

    grow(1)
    one = statements()
    grow(39)
    assert statements() == one


# --- the text and HTML parts say the same things ---------------------------------------------------

class Items(HTMLParser):
    """The linked lines of an HTML digest: (text, href) of each list item's first link, and every other link."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs)["href"], []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((" ".join("".join(self._text).split()), self._href))
            self._href = None


def text_items(text: str) -> set[tuple[str, str]]:
    """(line, link) pairs of a text digest: an item is "- line", then its link on an indented line."""
    found, current = set(), None
    for line in text.splitlines():
        if line.startswith("- "):
            current = line[2:].strip()
        elif current and re.fullmatch(r"  https?://\S+", line):
            found.add((" ".join(current.split()), line.strip()))
            current = None
        elif re.fullmatch(r"  [^:]+: https?://\S+", line):  # an action: "  Record progress: <link>"
            label, link = line.strip().rsplit(": ", 1)
            found.add((label, link))
        elif line.startswith("…") and " http" in line:  # "…and 3 more. <link>"
            label, link = line.rsplit(" ", 1)
            found.add((label, link))
    return found


def html_items(html: str) -> set[tuple[str, str]]:
    parser = Items()
    parser.feed(html[html.index("<body"):])
    return set(parser.links)


def every_kind_of_digest() -> dict[str, object]:
    member = factories.user(groups={"ethics": "member"})
    lead = factories.user(groups={"ethics": "lead"})
    coordinator = factories.user(role="coordinator")
    quiet = factories.user(groups={"ethics": "member"}, name="Silenciosa")
    db.session.execute(sa.update(GroupMembership).where(GroupMembership.user_id == quiet.id)
                       .values(created_at=now() - timedelta(days=60)))
    factories.deliverable(owner=member, title="Propio <b>vence</b>", due_date=factories.today() + timedelta(days=3))
    factories.deliverable(owner=lead, title="Atrasado", due_date=factories.today() - timedelta(days=5))
    for n in range(3):
        item = factories.deliverable(title=f"Cambio {n} & más")
        update(item, item.owner, 10, 20 + n * 10, 5 + n, note=f"Nota {n}")
    factories.meeting(title="Reunión pasada", starts_at=now() - timedelta(days=3), status="held")
    factories.meeting(title="Reunión próxima", starts_at=now() + timedelta(days=3))
    return {"member": member, "lead": lead, "coordinator": coordinator}


@pytest.mark.parametrize("language", ["es", "en"])
def test_text_and_html_carry_the_same_linked_items_for_every_kind_of_digest(app, language):
    people = every_kind_of_digest()
    for person in people.values():
        person.language = language
    rows = run_for(*people.values())
    for kind, person in people.items():
        row = rows[person.email]
        text, html = text_items(row.text_body), html_items(row.html_body)
        footer = {(label, link) for label, link in html if "/unsubscribe/" in link or link.endswith("/settings/digest")}
        headings = {(label, link) for label, link in html - footer if (label, link) not in text}
        # What only the HTML has are the sections' own title links; every item of one is in the other.
        assert all(label.upper() in row.text_body or label in row.text_body for label, _link in headings), (
            kind, language, headings)
        assert text <= html, (kind, language, text - html)
        items = html - footer - headings
        assert items == text, (kind, language, items ^ text)
        assert len(text) >= 3 and all(link.startswith(BASE) for _label, link in html), (kind, language)
    assert "Propio &lt;b&gt;vence&lt;/b&gt;" in rows[people["member"].email].html_body


def test_the_demo_members_digest_has_one_linked_line_per_changed_deliverable_in_both_parts(app):
    from coalition.demo.seed import seed_demo
    from coalition.auth.models import User

    seed_demo(1, password="coalition-demo")
    member = db.session.scalar(sa.select(User).where(User.email == "member@example.org"))
    member.language = "en"
    row = run_for(member)[member.email]
    text = row.text_body
    changed = text[text.index("WHAT CHANGED IN"):]
    changed = changed[:changed.index("\n\n")]
    lines = [line for line in changed.splitlines() if line.startswith("- ")]
    titles = [line[2:].split(":")[0] for line in lines]
    assert lines and len(titles) == len(set(titles)), lines
    assert all(re.search(r": \d+% → \d+%", line) for line in lines)
    assert not [line for line in lines if re.search(r": (\d+)% → \1%$", line)]
    html = html_items(row.html_body)
    for line in lines:
        assert any(label == line[2:] and "/deliverables/" in link for label, link in html), line
    assert Meeting and len(lines) >= 2
