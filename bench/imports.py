"""Spreadsheet imports at the limit: 50,000 institutions and 50,000 people, previewed and imported.

    .venv/bin/python bench/imports.py                      # SQLite in a temp folder
    .venv/bin/python bench/imports.py --rows 10000
    .venv/bin/python bench/imports.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Each file is written as Excel in Mexico saves it (Windows-1252, `;`, Spanish headers and names),
then: the preview (read, decode, map, check every row against what one query per table loaded),
the import (the same preview again, as the page's apply step re-validates, then bulk INSERTs and
one audit row per record), and a second import of the same file (every row unchanged). People
are imported into the 50,000 institutions, each in one or two groups, with and without
invitations (rendering one email per new person) on a smaller file.
"""
from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def institutions_csv(rows: int) -> bytes:
    from tests.imports.helpers import csv_bytes

    sectors = ["Academia", "Industria", "Sociedad civil", "Gobierno", "Cooperación internacional"]
    states = ["Jalisco", "Querétaro", "Ciudad de México", "Nuevo León", "MX-YUC", "OAX", "Michoacán"]
    data = [["Nombre", "Siglas", "Sector", "Estado", "País", "Sitio web", "Fecha de ingreso", "Descripción"]]
    for n in range(rows):
        abroad = n % 5 == 4
        data.append([f"Institución Número {n} de Señales y Ética", f"INS{n}", sectors[n % 5],
                     "En el extranjero" if abroad else states[n % 7], "España" if abroad else "",
                     f"https://ins{n}.org.mx", f"{n % 28 + 1:02d}/{n % 12 + 1:02d}/2023", "Descripción breve"])
    return csv_bytes(data, "cp1252", ";")


def people_csv(rows: int, prefix: str = "persona") -> bytes:
    from tests.imports.helpers import csv_bytes

    groups = ["ethics", "governance", "research", "skills", "data", "abroad"]
    data = [["Correo electrónico", "Nombre", "Institución", "Rol", "Grupos", "Idioma"]]
    for n in range(rows):
        data.append([f"{prefix}{n}@correo.org.mx", f"José Peña Núñez {n}", f"INS{n}", "miembro",
                     f"{groups[n % 6]}; lead:{groups[(n + 1) % 6]}" if n % 50 == 0 else groups[n % 6],
                     "español"])
    return csv_bytes(data, "cp1252", ";")


def timed(label: str, results: list, fn):
    started = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - started
    results.append((label, elapsed))
    print(f"{label:<48} {elapsed:7.2f} s", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--invite-rows", type=int, default=2_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    import flask_migrate

    from coalition import create_app
    from coalition.extensions import db
    from coalition.imports import services

    folder = tempfile.mkdtemp(prefix="bench-imports-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_DISPATCH": False})
    app.instance_path = folder
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        flask_migrate.upgrade(directory=str(ROOT / "coalition" / "migrations"))
        institutions = institutions_csv(args.rows)
        people = people_csv(args.rows)
        invited = people_csv(args.invite_rows, "invitada")
        print(f"{platform.python_version()} on {platform.machine()}, {db.engine.dialect.name}; "
              f"institutions file {len(institutions) / 1e6:.1f} MB, people file {len(people) / 1e6:.1f} MB")
        results: list = []

        def run(label, kind, data, apply, **options):
            def go():
                if apply:
                    result = services.apply(kind, None, data, "bench.csv", options, via="cli")
                    db.session.commit()
                else:
                    result = services.preview(kind, None, data, "bench.csv", options)
                    db.session.rollback()
                return result
            result = timed(label, results, go)
            assert not result.counts["error"], result.errors[:3]
            return result

        n = f"{args.rows:,}"
        run(f"preview {n} new institutions", "institutions", institutions, False)
        run(f"import {n} new institutions", "institutions", institutions, True)
        again = run(f"import the same {n} institutions again", "institutions", institutions, True)
        assert again.counts["unchanged"] == args.rows
        run(f"preview {n} new people", "people", people, False)
        run(f"import {n} new people (groups, no invitations)", "people", people, True)
        again = run(f"import the same {n} people again", "people", people, True)
        assert again.counts["unchanged"] == args.rows
        run(f"import {args.invite_rows:,} new people with invitations", "people", invited, True, invite=True)


if __name__ == "__main__":
    main()
