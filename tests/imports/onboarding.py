"""A real-looking onboarding: 120 institutions and 400 people, as Excel in Mexico saves them
(“CSV (delimitado por comas)”: Windows-1252, `;`, CRLF, Spanish headers and names, day-first dates)."""
from __future__ import annotations

import random

from tests.imports.helpers import csv_bytes

KINDS = [("Universidad", "academia"), ("Instituto Tecnológico", "Academia"), ("Cámara", "Industria"),
         ("Asociación Mexicana", "Sociedad civil"), ("Fundación", "sociedad civil"), ("Secretaría", "Gobierno"),
         ("Empresa", "industry"), ("Oficina de Cooperación", "Cooperación internacional")]
PLACES = ["Querétaro", "Jalisco", "Nuevo León", "Ciudad de México", "Yucatán", "Michoacán", "San Luis Potosí",
          "Estado de México", "MX-OAX", "PUE", "Baja California", "Sonora", "Chiapas", "Veracruz", "Guanajuato",
          "Zacatecas", "Tabasco", "Hidalgo", "Coahuila", "Sinaloa", "Durango", "Campeche"]
TOPICS = ["Inteligencia Artificial", "Datos Abiertos", "Ética Digital", "Innovación", "Cómputo", "Niñez Conectada",
          "Ciberseguridad", "Educación Digital", "Salud Pública", "Ciencias Sociales"]
FIRST = ["María José", "José Ángel", "Sofía", "Iñaki", "Ximena", "Andrés", "Mónica", "Raúl", "Begoña", "Héctor",
         "Lucía", "Joaquín", "Renata", "Martín", "Paulina", "Ramón", "Fátima", "Íñigo", "Guadalupe", "Tomás"]
LAST = ["Hernández", "Núñez", "Peña", "Gómez", "Ibáñez", "Muñoz", "Pérez", "Sánchez", "Domínguez", "Ortíz",
        "Jiménez", "Vázquez", "Ramírez", "Cázares", "Chávez", "Ruíz", "Gutiérrez", "Álvarez", "Méndez", "López"]
GROUPS = ["ethics", "governance", "research", "skills", "data", "abroad"]


def institutions_file() -> tuple[bytes, list[str]]:
    rng = random.Random(12)
    header = ["Nombre", "Siglas", "Sector", "Estado", "País", "Sitio web", "Fecha de ingreso", "Descripción"]
    rows, names = [header], []
    for n in range(120):
        kind, sector = KINDS[n % len(KINDS)]
        name = f"{kind} de {TOPICS[n % len(TOPICS)]} {n + 1}"
        abroad = sector.startswith("Cooperación")
        acronym = "".join(w[0] for w in name.split() if w[0].isupper())[:8] + str(n + 1)
        rows.append([name, acronym, sector, "En el extranjero" if abroad else PLACES[n % len(PLACES)],
                     "Alemania" if abroad else "", f"https://www.{acronym.lower()}.org.mx" if n % 3 else "",
                     f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2019, 2024)}",
                     "Trabaja en señales, niñez y ética." if n % 4 == 0 else ""])
        names.append((name, acronym))
    return csv_bytes(rows, "cp1252", ";"), names


def people_file(institutions: list[tuple[str, str]]) -> bytes:
    rng = random.Random(400)
    rows = [["Correo electrónico", "Nombre completo", "Institución", "Rol", "Grupos", "Idioma"]]
    for n in range(400):
        first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
        name, acronym = institutions[n % len(institutions)]
        groups = rng.sample(GROUPS, rng.randint(0, 2))
        if groups and n % 25 == 0:
            groups[0] = "lead:" + groups[0]
        rows.append([f"persona{n + 1}@correo{n % 9}.org.mx", f"{first} {last}", acronym if n % 2 else name,
                     "Miembro" if n % 3 else "", "; ".join(groups), "Español" if n % 5 else "en"])
    return csv_bytes(rows, "cp1252", ";")
