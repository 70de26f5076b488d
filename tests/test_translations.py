"""Every string a person reads exists in Spanish (and English, the source language)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "coalition" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def extracted(tmp_path) -> list:
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                    "-o", str(pot), "."], check=True, cwd=ROOT, capture_output=True)
    with pot.open("rb") as handle:
        return [m for m in read_po(handle) if m.id]


def catalogue(language: str):
    with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_every_message_in_the_code_has_its_spanish_translation(tmp_path):
    spanish = catalogue("es")
    missing = []
    for message in extracted(tmp_path):
        translated = spanish.get(message.id)
        strings = translated.string if translated else None
        if isinstance(strings, tuple):
            ok = all(strings)
        else:
            ok = bool(strings)
        if not ok or (translated and translated.fuzzy):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not missing, f"{len(missing)} messages lack Spanish (run `make messages`, then translate): {missing[:20]}"


def test_spanish_translations_keep_their_placeholders():
    wrong = []
    for message in catalogue("es"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) - expected or text.count("%%") != ids[0].count("%%"):
                wrong.append(ids[0])
    assert not wrong, wrong


def test_english_catalogue_exists_for_every_message(tmp_path):
    # English is the source language: its catalogue holds every id, and an empty msgstr shows the id.
    english = catalogue("en")
    missing = [m.id for m in extracted(tmp_path) if english.get(m.id) is None]
    assert not missing, missing[:20]
