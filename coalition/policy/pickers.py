"""What the policy pages' forms offer to choose from, and the names they show, each in one query."""
from __future__ import annotations

import sqlalchemy as sa

from coalition.auth.models import User
from coalition.extensions import db
from coalition.institutions.models import Institution, state_label
from coalition.policy.models import Instrument
from coalition.recommendations.models import Recommendation

# A select longer than this helps nobody; the newest come first.
PICK_LIMIT = 1000


def recommendations_for_picking(language: str, limit: int = PICK_LIMIT) -> list[tuple[int, str]]:
    """Recommendations as (id, "#id title"), newest first."""
    rows = db.session.execute(sa.select(Recommendation.id, Recommendation.title_es, Recommendation.title_en)
                              .order_by(Recommendation.id.desc()).limit(limit)).all()
    return [(rid, f"#{rid} {(title_en if language == 'en' else title_es) or title_es or title_en}")
            for rid, title_es, title_en in rows]


def instruments_for_picking(language: str, include: int | None = None, limit: int = PICK_LIMIT) -> list[tuple[int, str]]:
    """Instruments as (id, "#id title"), latest stage change first; `include` is kept even beyond the limit."""
    stmt = sa.select(Instrument.id, Instrument.title_es, Instrument.title_en)
    rows = db.session.execute(stmt.order_by(Instrument.stage_on.desc().nulls_last(), Instrument.id.desc())
                              .limit(limit)).all()
    if include is not None and include not in {row[0] for row in rows}:
        rows += db.session.execute(stmt.where(Instrument.id == include)).all()
    return [(iid, f"#{iid} {(title_en if language == 'en' else title_es) or title_es or title_en}")
            for iid, title_es, title_en in rows]


def active_institutions_by_state() -> dict[str, list[tuple[int, str]]]:
    """Active member institutions grouped under their state's name (optgroups), by name within each."""
    rows = db.session.execute(sa.select(Institution.id, Institution.name, Institution.acronym, Institution.state)
                              .where(Institution.active.is_(True)).order_by(Institution.name)).all()
    groups: dict[str, list[tuple[int, str]]] = {}
    for iid, name, acronym, state in rows:
        groups.setdefault(state_label(state) or "—", []).append((iid, f"{name} ({acronym})" if acronym else name))
    return dict(sorted(groups.items()))


def names_of(user_ids) -> dict[int, str]:
    """People's names by id (who recorded a stage, who approved a position)."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())
