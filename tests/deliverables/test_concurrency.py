"""Two people saving the same deliverable at the same moment, on PostgreSQL, through real requests."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from coalition.deliverables.models import Deliverable, DeliverableUpdate
from coalition.extensions import db
from tests import factories
from tests.conftest import csrf_token, login

pytestmark = pytest.mark.postgres


def test_two_saves_at_once_one_wins_the_other_is_told_and_nothing_is_lost(app):
    ana = factories.user(groups={"ethics": "member"}, name="Ana")
    luis = factories.user(groups={"ethics": "member"}, name="Luis")
    item = factories.deliverable("ethics", owner=ana, progress=10)
    db.session.commit()
    version = item.version
    clients = {}
    for person in (ana, luis):
        client = app.test_client()
        login(client, person)
        clients[person.name] = (client, csrf_token(client, f"/deliverables/{item.id}"))

    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def save(name: str, progress: int) -> None:
        client, token = clients[name]
        with app.app_context():
            barrier.wait()
            response = client.post(f"/deliverables/{item.id}", data={
                "status": "in_progress", "progress": str(progress), "note": f"Avance de {name}",
                "version": str(version), "csrf_token": token})
            results[name] = response.status_code
            db.session.remove()

    threads = [threading.Thread(target=save, args=("Ana", 40)), threading.Thread(target=save, args=("Luis", 60))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(results.values()) == [302, 409], results  # one saved, one told of the conflict
    loser = next(name for name, code in results.items() if code == 409)
    db.session.expire_all()
    stored = db.session.get(Deliverable, item.id)
    updates = db.session.execute(sa.select(DeliverableUpdate).where(DeliverableUpdate.deliverable_id == item.id)
                                 ).scalars().all()
    assert stored.version == version + 1 and len(updates) == 1
    assert updates[0].progress_after == stored.progress  # the history and the deliverable agree

    # The one who lost sees the current values and saves again: both outcomes are now in the history.
    client, _token = clients[loser]
    page = client.get(f"/deliverables/{item.id}")
    assert page.status_code == 200
    response = client.post(f"/deliverables/{item.id}", data={
        "status": "in_review", "progress": "70", "note": f"Avance de {loser}, otra vez",
        "version": str(stored.version), "csrf_token": csrf_token(client, f"/deliverables/{item.id}")})
    assert response.status_code == 302
    db.session.expire_all()
    notes = [u.note for u in db.session.execute(sa.select(DeliverableUpdate).order_by(DeliverableUpdate.id)).scalars()]
    assert len(notes) == 2 and notes[1] == f"Avance de {loser}, otra vez"
