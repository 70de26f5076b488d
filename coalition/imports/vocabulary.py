"""Match what people type in a spreadsheet cell to a key: accents, case and spacing ignored."""
from __future__ import annotations

import unicodedata

from flask_babel import force_locale

from coalition.institutions.models import ABROAD, SECTORS, STATES, state_label

# Names a spreadsheet may use that are not the labels the app shows (official or English names).
STATE_ALIASES = {
    "CMX": ("CDMX", "Mexico City", "Distrito Federal", "DF", "D.F."),
    "MEX": ("State of Mexico", "Mexico State", "Edomex", "Edo. de México", "Estado de Mexico"),
    "COA": ("Coahuila de Zaragoza",),
    "MIC": ("Michoacán de Ocampo",),
    "VER": ("Veracruz de Ignacio de la Llave",),
    "BCN": ("Baja California Norte",),
    ABROAD: ("abroad", "extranjero", "en el extranjero", "fuera de México", "outside Mexico"),
}
SECTOR_ALIASES = {
    "industry": ("private sector", "sector privado", "empresa", "iniciativa privada"),
    "civil_society": ("civil society", "osc", "ong", "ngo"),
    "academia": ("academy", "academic", "academico", "universidad", "university"),
    "government": ("gobierno", "public sector", "sector publico"),
    "international": ("international", "internacional", "cooperacion", "international cooperation"),
}


def fold(text) -> str:
    """Lower-case `text` without accents, with single spaces (“  Ciudad de MÉXICO ” → “ciudad de mexico”)."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("_", " ").casefold().split())


class Vocabulary:
    """Keys and every name each may be written as."""

    def __init__(self, names: dict, include_key: bool = True):
        self.lookup: dict[str, str] = {}
        self.ambiguous: set[str] = set()
        for key, spellings in names.items():
            for spelling in ((key, *spellings) if include_key else spellings):
                folded = fold(spelling)
                if not folded:
                    continue
                if self.lookup.get(folded, key) != key:
                    self.ambiguous.add(folded)
                self.lookup.setdefault(folded, key)

    def find(self, text) -> str | None:
        """The key `text` names, or None when it names none (or more than one)."""
        folded = fold(text)
        if folded in self.ambiguous:
            return None
        return self.lookup.get(folded)

    def is_ambiguous(self, text) -> bool:
        return fold(text) in self.ambiguous


def _labels(labels: dict) -> dict[str, list[str]]:
    """Each key's label in every language the app speaks."""
    names: dict[str, list[str]] = {key: [] for key in labels}
    for language in ("en", "es"):
        with force_locale(language):
            for key, label in labels.items():
                names[key].append(str(label))
    return names


def sectors() -> Vocabulary:
    names = _labels(SECTORS)
    for key, aliases in SECTOR_ALIASES.items():
        names[key].extend(aliases)
    return Vocabulary(names)


def states() -> Vocabulary:
    """States by ISO 3166-2:MX code (`JAL`, `MX-JAL`), name, or `abroad` in either language."""
    names: dict[str, list[str]] = {code: [f"MX-{code}", name] for code, name in STATES.items()}
    names[ABROAD] = []
    for language in ("en", "es"):
        with force_locale(language):
            names[ABROAD].append(state_label(ABROAD))
    for key, aliases in STATE_ALIASES.items():
        names[key].extend(aliases)
    return Vocabulary(names)


# --- a consultation's contributions (coalition.imports.contributions) ----------------------------

PROFILE_SECTOR_ALIASES = {
    "individual": ("individuo", "persona", "particular", "ciudadano", "ciudadana", "ciudadania", "citizen",
                   "a titulo personal", "personal"),
}
AGE_BAND_ALIASES = {
    "under_18": ("menos de 18", "menor de 18", "<18", "0-17", "17 o menos"),
    "18_29": ("18-29", "18 a 29"),
    "30_44": ("30-44", "30 a 44"),
    "45_64": ("45-64", "45 a 64"),
    "65_plus": ("65+", "65 o mas", "65 y mas", "65 or more", "mas de 65", "over 65"),
    "undisclosed": ("no especificado", "sin dato", "n/a", "na", "prefer not to say", "prefiero no decir"),
}
CHANNEL_ALIASES = {
    "online": ("en linea", "en línea", "web", "internet", "formulario"),
    "workshop": ("taller", "papel", "paper"),
    "forum": ("foro", "forum", "foro estatal"),
    "import": ("importacion", "importado", "imported"),
}


def profile_sectors() -> Vocabulary:
    """A contributor's sector: the five sectors (as `sectors`) plus `individual`."""
    from coalition.consultations.models import PROFILE_SECTORS

    names = _labels(PROFILE_SECTORS)
    for key, aliases in {**SECTOR_ALIASES, **PROFILE_SECTOR_ALIASES}.items():
        names[key].extend(aliases)
    return Vocabulary(names)


def age_bands() -> Vocabulary:
    from coalition.consultations.models import AGE_BANDS

    names = _labels(AGE_BANDS)
    for key, aliases in AGE_BAND_ALIASES.items():
        names[key].extend(aliases)
    return Vocabulary(names)


def channels() -> Vocabulary:
    from coalition.consultations.models import CHANNELS

    names = _labels(CHANNELS)
    for key, aliases in CHANNEL_ALIASES.items():
        names[key].extend(aliases)
    return Vocabulary(names)


# --- policy instruments and engagements (coalition.imports.instruments, .engagements) -------------

INSTRUMENT_KIND_ALIASES = {
    "strategy": ("estrategia", "estrategia nacional", "estrategia estatal", "national strategy", "state strategy"),
    "bill": ("iniciativa", "iniciativa de ley", "proyecto de ley", "initiative"),
    "law": ("ley", "ley general", "ley federal", "ley estatal", "act", "statute"),
    "regulation": ("reglamento", "regulacion", "norma", "nom", "decreto", "decree"),
    "guideline": ("lineamiento", "lineamientos", "guia", "guidelines", "guidance"),
    "programme": ("programa", "program", "plan"),
    "budget": ("presupuesto", "partida presupuestal", "partida", "budget line"),
    "declaration": ("declaracion", "declaracion internacional", "declaration"),
}
JURISDICTION_ALIASES = {
    "federal": ("nacional", "national", "federacion", "gobierno federal"),
    "municipal": ("municipio", "municipality", "ayuntamiento", "city", "ciudad", "local"),
    "international": ("internacional", "organismo internacional", "international body", "multilateral"),
}
BRANCH_ALIASES = {
    "executive": ("ejecutivo", "poder ejecutivo", "gobierno"),
    "legislative": ("legislativo", "poder legislativo", "congreso", "congress", "senado", "camara"),
    "judicial": ("judicial", "poder judicial", "tribunal", "corte", "judiciary"),
}
STAGE_ALIASES = {
    "proposed": ("propuesta", "propuesto", "presentada", "presentado", "introduced"),
    "in_committee": ("en comision", "en comisiones", "comision", "committee"),
    "approved": ("aprobada", "aprobado", "adoptada", "adoptado", "passed"),
    "in_force": ("en vigor", "vigente", "in effect", "enacted", "publicada", "publicado"),
    "repealed": ("derogada", "derogado", "abrogada", "abrogado"),
    "abandoned": ("abandonada", "abandonado", "desechada", "desechado", "archivada", "archivado"),
}
DEGREE_ALIASES = {
    "cited": ("citada", "citado", "mencionada", "mencionado", "mentioned"),
    "partial": ("parcial", "parcialmente", "parcialmente adoptada", "partially adopted", "partly"),
    "adopted": ("adoptada", "adoptado", "total", "full", "fully adopted"),
}
ENGAGEMENT_KIND_ALIASES = {
    "event": ("evento",),
    "hearing": ("audiencia", "comparecencia", "parlamento abierto"),
    "forum": ("foro", "foro estatal", "mesa"),
    "submission": ("envio", "documento", "propuesta escrita", "written submission", "posicionamiento"),
    "meeting": ("reunion", "reunion con funcionarios", "meeting with officials", "junta"),
}


def _with_aliases(labels: dict, aliases: dict) -> Vocabulary:
    names = _labels(labels)
    for key, spellings in aliases.items():
        names[key].extend(spellings)
    return Vocabulary(names)


def instrument_kinds() -> Vocabulary:
    from coalition.policy.models import KINDS

    return _with_aliases(KINDS, INSTRUMENT_KIND_ALIASES)


def branches() -> Vocabulary:
    from coalition.policy.models import BRANCHES

    return _with_aliases(BRANCHES, BRANCH_ALIASES)


def stages() -> Vocabulary:
    from coalition.policy.models import STAGES

    return _with_aliases(STAGES, STAGE_ALIASES)


def degrees() -> Vocabulary:
    from coalition.policy.models import DEGREES

    return _with_aliases(DEGREES, DEGREE_ALIASES)


def engagement_kinds() -> Vocabulary:
    from coalition.policy.models import ENGAGEMENT_KINDS

    return _with_aliases(ENGAGEMENT_KINDS, ENGAGEMENT_KIND_ALIASES)


def jurisdictions(abroad: bool = False) -> Vocabulary:
    """`federal`, `municipal`, `international` (key or label in either language) or a state (as `states`);
    with `abroad`, also Mexicans abroad (an engagement's jurisdiction may be)."""
    from coalition.policy.models import JURISDICTIONS

    names = _labels(JURISDICTIONS)
    for key, spellings in JURISDICTION_ALIASES.items():
        names[key].extend(spellings)
    for spelling, key in states().lookup.items():
        if key != ABROAD or abroad:
            names.setdefault(key, []).append(spelling)
    return Vocabulary(names)
