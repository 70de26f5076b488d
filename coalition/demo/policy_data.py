"""The demo's policy instruments, uptakes, engagements and state liaisons: fictional records written as
a Mexican coalition would keep them, around real public bodies and real international instruments.

Dates are written as one of:
* an int: days from the seed's today (negative: past; a stage is never in the future);
* an ISO date string: a fixed day in the past (historical instruments);
* (month, day, year_offset): a day of a budget cycle, counted from the latest 1 January on or before today
  (a budget is presented in the autumn, approved in November or December, and runs from 1 January).

Recommendations are named by their position in consultation_data.ADOPTED (all published ones).
"""
from __future__ import annotations

# The state liaison demo account (the password is the demo's, like the other accounts'):
# (email, name, state, acronym of the institution).
LIAISON = ("liaison@example.org", "Laura Enlace", "JAL", "IEACJ")
# Other states with a liaison: the first active person of this institution is named.
OTHER_LIAISONS = (("NLE", "CICDN"), ("QUE", "IQCMI"))

# Who follows what: (email, instrument key or None, state or None).
FOLLOWS = (
    ("member@example.org", None, "JAL"),
    ("member@example.org", "jal-strategy", None),
    ("liaison@example.org", None, "JAL"),
    ("coordinator@example.org", "senate-bill", None),
    ("lead@example.org", "zapopan", None),
)

SENATE_BILL = "https://www.senado.gob.mx/66/gaceta_del_senado/documento/iniciativa-ley-desarrollo-etico-ia"
APF_GUIDELINES = "https://www.gob.mx/atdt/documentos/proyecto-de-lineamientos-de-inteligencia-artificial"

# Instruments. `recorder`: who recorded it ("coordinator", or "liaison": the state's liaison when it has
# one). stages: (stage, date, note). uptakes: (recommendation position, degree, evidence URL, quote).
INSTRUMENTS = (
    {
        "key": "jal-strategy", "kind": "strategy", "jurisdiction": "JAL", "branch": "executive",
        "title_es": "Estrategia Jalisco de Inteligencia Artificial",
        "title_en": "Jalisco Artificial Intelligence Strategy",
        "summary_es": (
            "Estrategia estatal que orienta el desarrollo y el uso de la inteligencia artificial en Jalisco. "
            "Tiene cuatro ejes: formación en IA de las personas servidoras públicas; evaluación de riesgos "
            "antes de adoptar sistemas de IA en el gobierno estatal; datos abiertos por sector; y vinculación "
            "con el ecosistema de innovación del área metropolitana de Guadalajara. Se elaboró con foros "
            "estatales en los que participaron instituciones de la coalición."),
        "summary_en": (
            "The state strategy guiding the development and use of artificial intelligence in Jalisco. It has "
            "four pillars: AI training for public servants; risk assessment before the state government adopts "
            "an AI system; open data by sector; and links with the innovation ecosystem of the Guadalajara "
            "metropolitan area. It was drafted through state forums in which coalition institutions took part."),
        "source_url": "https://jalisco.gob.mx/gobierno/estrategia-jalisco-inteligencia-artificial",
        "stages": (
            ("proposed", -200, "Presentada por la Secretaría de Innovación, Ciencia y Tecnología para consulta "
                               "pública."),
            ("approved", -40, "Aprobada por el Ejecutivo estatal y publicada en el Periódico Oficial «El Estado "
                              "de Jalisco»."),
            ("in_force", -25, "Inicia su implementación con el programa de formación de personas servidoras "
                              "públicas."),
        ),
        "recorder": "coordinator", "stage_recorder": "liaison", "published": True,
        "uptakes": (
            (19, "adopted",
             "https://periodicooficial.jalisco.gob.mx/sites/periodicooficial.jalisco.gob.mx/files/"
             "estrategia-jalisco-ia.pdf#eje-1",
             "Eje 1. Todas las personas servidoras públicas del Poder Ejecutivo del Estado recibirán formación "
             "básica en inteligencia artificial, y quienes diseñen o adquieran sistemas de IA, formación "
             "especializada."),
            (3, "partial",
             "https://periodicooficial.jalisco.gob.mx/sites/periodicooficial.jalisco.gob.mx/files/"
             "estrategia-jalisco-ia.pdf#eje-2",
             "Eje 2. Antes de implementar un sistema de inteligencia artificial de alto riesgo, la dependencia "
             "realizará una evaluación de impacto conforme a la guía que emita la Agencia Digital."),
            (7, "cited",
             "https://periodicooficial.jalisco.gob.mx/sites/periodicooficial.jalisco.gob.mx/files/"
             "estrategia-jalisco-ia.pdf#eje-3",
             "Se tomarán en cuenta las propuestas de la Agenda Nacional de IA sobre conjuntos de datos abiertos "
             "por sector."),
        ),
    },
    {
        "key": "jal-budget", "kind": "budget", "jurisdiction": "JAL", "branch": "legislative",
        "title_es": "Partida para la Estrategia Jalisco de IA en el Presupuesto de Egresos del Estado {year}",
        "title_en": "Line for the Jalisco AI Strategy in the State Expenditure Budget {year}",
        "summary_es": (
            "Partida del presupuesto estatal destinada a la formación de personas servidoras públicas y al "
            "laboratorio de datos abiertos previstos en la Estrategia Jalisco de Inteligencia Artificial."),
        "summary_en": (
            "A line of the state budget for the public servants' training and the open data lab planned in the "
            "Jalisco Artificial Intelligence Strategy."),
        "source_url": "https://congresoweb.congresojal.gob.mx/BibliotecaVirtual/presupuesto-egresos-jalisco",
        "stages": (
            ("proposed", (11, 1, -1), "El Ejecutivo entrega el proyecto de presupuesto al Congreso del Estado."),
            ("approved", (12, 15, -1), "Aprobada por el Pleno del Congreso del Estado de Jalisco."),
            ("in_force", (1, 1, 0), "Inicia el ejercicio fiscal."),
        ),
        "recorder": "liaison", "published": True, "uptakes": (),
    },
    {
        "key": "zapopan", "kind": "programme", "jurisdiction": "municipal", "state": "JAL", "place": "Zapopan",
        "branch": "executive",
        "title_es": "Programa Zapopan Ciudad Inteligente: IA para los servicios municipales",
        "title_en": "Zapopan Smart City Programme: AI for municipal services",
        "summary_es": (
            "Programa municipal para usar inteligencia artificial en la atención de reportes ciudadanos, con un "
            "registro público de los algoritmos que emplea el Ayuntamiento."),
        "summary_en": (
            "A municipal programme using artificial intelligence to handle residents' reports, with a public "
            "register of the algorithms the council uses."),
        "source_url": "https://www.zapopan.gob.mx/transparencia/programa-ciudad-inteligente/",
        "stages": (
            ("proposed", -100, "Presentado por la Dirección de Innovación Gubernamental."),
            ("approved", -30, "Aprobado por el Ayuntamiento en sesión ordinaria de Cabildo."),
            ("in_force", -10, "Publicado en la Gaceta Municipal."),
        ),
        "recorder": "liaison", "published": True,
        "uptakes": (
            (0, "partial", "https://www.zapopan.gob.mx/wp-content/uploads/gaceta-municipal-programa-ia.pdf",
             "El Ayuntamiento publicará en su portal un registro de los sistemas algorítmicos que utiliza para "
             "atender trámites y servicios, con su finalidad y los datos que procesan."),
        ),
    },
    {
        "key": "senate-bill", "kind": "bill", "jurisdiction": "federal", "branch": "legislative",
        "title_es": "Iniciativa de Ley Federal para el Desarrollo Ético de la Inteligencia Artificial",
        "title_en": "Bill for a Federal Law on the Ethical Development of Artificial Intelligence",
        "summary_es": (
            "Iniciativa presentada en el Senado de la República que propone clasificar los sistemas de IA por "
            "nivel de riesgo, obligaciones de transparencia para los de alto riesgo y un consejo consultivo "
            "con participación de la academia y la sociedad civil."),
        "summary_en": (
            "A bill tabled in the Senate proposing to classify AI systems by risk level, transparency duties for "
            "high-risk systems, and an advisory council with academia and civil society."),
        "source_url": SENATE_BILL,
        "stages": (
            ("proposed", -45, "Presentada en el Pleno del Senado por senadoras y senadores de varios grupos "
                              "parlamentarios."),
            ("in_committee", -43, "Turnada a las Comisiones Unidas de Ciencia, Humanidades, Tecnología e "
                                  "Innovación y de Estudios Legislativos."),
        ),
        "recorder": "coordinator", "published": True,
        "uptakes": (
            (4, "adopted", SENATE_BILL + "#art-8",
             "Artículo 8. Los sistemas de inteligencia artificial se clasificarán según su nivel de riesgo: "
             "inaceptable, alto, limitado o mínimo. Las obligaciones de cada categoría serán proporcionales a "
             "su riesgo."),
            (5, "partial", SENATE_BILL + "#art-21",
             "Artículo 21. Se crea el Consejo Consultivo de Inteligencia Artificial, integrado por personas de la "
             "academia, la industria y la sociedad civil, que emitirá opiniones no vinculantes."),
            (11, "cited", SENATE_BILL + "#exposicion",
             "La exposición de motivos retoma la propuesta de actualizar la legislación de protección de datos "
             "personales ante los sistemas de inteligencia artificial."),
        ),
    },
    {
        "key": "mx-2018", "kind": "strategy", "jurisdiction": "federal", "branch": "executive",
        "title_es": "Estrategia de Inteligencia Artificial MX 2018",
        "title_en": "Mexico's Artificial Intelligence Strategy 2018",
        "summary_es": (
            "Primera estrategia nacional de IA de México, presentada por la Coordinación de Estrategia Digital "
            "Nacional de la Presidencia de la República. Preveía un marco de gobernanza, el uso de datos "
            "abiertos, la formación de capacidades y un grupo de trabajo con la academia, la industria y la "
            "sociedad civil. La administración siguiente no la retomó: el Congreso, los estados y la sociedad "
            "civil mantuvieron viva la agenda."),
        "summary_en": (
            "Mexico's first national AI strategy, presented by the Office of the President's National Digital "
            "Strategy Coordination. It planned a governance framework, the use of open data, capacity building "
            "and a working group with academia, industry and civil society. The next administration did not "
            "take it up: Congress, the states and civil society kept the agenda alive."),
        "source_url": "https://www.gob.mx/mexicodigital/articulos/estrategia-de-inteligencia-artificial-mx-2018",
        "stages": (
            ("approved", "2018-03-22", "Presentada por la Coordinación de Estrategia Digital Nacional."),
            ("abandoned", "2019-07-12",
             "Abandonada tras el cambio de administración: el Plan Nacional de Desarrollo 2019-2024 no la retomó, "
             "la Coordinación de Estrategia Digital Nacional dejó de darle seguimiento y no recibió presupuesto."),
        ),
        "recorder": "coordinator", "published": True, "uptakes": (),
    },
    {
        "key": "pef-budget", "kind": "budget", "jurisdiction": "federal", "branch": "legislative",
        "title_es": "Programa de habilidades digitales e inteligencia artificial en el Presupuesto de Egresos "
                    "de la Federación {year}",
        "title_en": "Digital skills and artificial intelligence programme in the Federal Expenditure Budget {year}",
        "summary_es": (
            "Programa presupuestario para formar en habilidades digitales e IA a docentes y personas servidoras "
            "públicas federales."),
        "summary_en": "A budget programme training teachers and federal public servants in digital and AI skills.",
        "source_url": "https://www.ppef.hacienda.gob.mx/es/PPEF/Proyecto",
        "stages": (
            ("proposed", (9, 8, -1), "El Ejecutivo Federal entrega el paquete económico a la Cámara de Diputados."),
            ("approved", (11, 13, -1), "Aprobado por la Cámara de Diputados."),
            ("in_force", (1, 1, 0), "Inicia el ejercicio fiscal."),
        ),
        "recorder": "coordinator", "published": False, "uptakes": (),
    },
    {
        "key": "apf-guideline", "kind": "guideline", "jurisdiction": "federal", "branch": "executive",
        "title_es": "Lineamientos para el uso de la inteligencia artificial en la Administración Pública Federal",
        "title_en": "Guidelines for the use of artificial intelligence in the Federal Public Administration",
        "summary_es": (
            "Proyecto de lineamientos de la Agencia de Transformación Digital y Telecomunicaciones: registro de "
            "los sistemas de IA de las dependencias, evaluación previa de los de alto riesgo y formación de "
            "las personas servidoras públicas que los operan."),
        "summary_en": (
            "Draft guidelines from the Digital Transformation and Telecommunications Agency: a register of "
            "agencies' AI systems, prior assessment of high-risk ones, and training for the public servants "
            "who run them."),
        "source_url": APF_GUIDELINES,
        "stages": (
            ("proposed", -30, "Proyecto publicado para comentarios públicos durante 45 días."),
        ),
        "recorder": "coordinator", "published": True,
        "uptakes": (
            (0, "partial", APF_GUIDELINES + "#cap-2",
             "Cada dependencia inscribirá en el registro que lleve la Agencia los sistemas de inteligencia "
             "artificial que utilice, su finalidad y las unidades responsables."),
            (19, "cited", APF_GUIDELINES + "#cap-5",
             "Las dependencias promoverán la capacitación en inteligencia artificial del personal que opere estos "
             "sistemas."),
        ),
    },
    {
        "key": "pjf-guideline", "kind": "guideline", "jurisdiction": "federal", "branch": "judicial",
        "title_es": "Lineamientos para el uso ético de herramientas de inteligencia artificial en la función "
                    "jurisdiccional",
        "title_en": "Guidelines for the ethical use of artificial intelligence tools in judicial work",
        "summary_es": (
            "Reglas del Poder Judicial de la Federación para el uso de herramientas de IA por órganos "
            "jurisdiccionales: supervisión humana de toda decisión, confidencialidad de los expedientes y "
            "registro de las herramientas autorizadas."),
        "summary_en": (
            "Rules of the Federal Judiciary on the use of AI tools by courts: human oversight of every decision, "
            "confidentiality of case files and a register of authorised tools."),
        "source_url": "https://www.pjf.gob.mx/acuerdos/lineamientos-uso-etico-inteligencia-artificial",
        "stages": (
            ("proposed", -150, "Proyecto presentado al órgano de administración judicial."),
            ("approved", -120, "Aprobados por el órgano de administración del Poder Judicial de la Federación."),
            ("in_force", -119, "Publicados en el Diario Oficial de la Federación; entran en vigor al día siguiente."),
        ),
        "recorder": "coordinator", "published": False, "uptakes": (),
    },
    {
        "key": "cdmx-guideline", "kind": "guideline", "jurisdiction": "CMX", "branch": "executive",
        "title_es": "Lineamientos para el desarrollo y uso de sistemas de inteligencia artificial en la "
                    "Administración Pública de la Ciudad de México",
        "title_en": "Guidelines for developing and using artificial intelligence systems in Mexico City's public "
                    "administration",
        "summary_es": (
            "Reglas para que las dependencias de la Ciudad de México documenten sus sistemas de IA, publiquen su "
            "código cuando sea posible y consulten a la Agencia Digital antes de adquirirlos."),
        "summary_en": (
            "Rules requiring Mexico City's agencies to document their AI systems, publish their code where "
            "possible, and consult the Digital Agency before buying them."),
        "source_url": "https://adip.cdmx.gob.mx/transparencia/lineamientos-inteligencia-artificial",
        "stages": (
            ("proposed", "2021-05-10", "Proyecto sometido a mejora regulatoria."),
            ("approved", "2021-09-20", "Publicados en la Gaceta Oficial de la Ciudad de México."),
            ("in_force", "2021-09-21", "Entran en vigor al día siguiente de su publicación."),
        ),
        "recorder": "coordinator", "published": True, "uptakes": (),
    },
    {
        "key": "nle-programme", "kind": "programme", "jurisdiction": "NLE", "branch": "executive",
        "title_es": "Programa Nuevo León IA: talento y adopción en la industria",
        "title_en": "Nuevo León AI Programme: talent and industry adoption",
        "summary_es": (
            "Programa estatal de becas, certificaciones y proyectos piloto para que las pequeñas y medianas "
            "empresas manufactureras adopten inteligencia artificial."),
        "summary_en": (
            "A state programme of scholarships, certifications and pilot projects helping small and medium "
            "manufacturers adopt artificial intelligence."),
        "source_url": "https://www.nl.gob.mx/programas/nuevo-leon-ia",
        "stages": (
            ("proposed", "2022-01-17", "Presentado por la Secretaría de Economía del Estado."),
            ("approved", "2022-03-15", "Aprobadas sus reglas de operación."),
            ("in_force", "2022-04-01", "Abre la primera convocatoria."),
        ),
        "recorder": "liaison", "published": True, "uptakes": (),
    },
    {
        "key": "nle-law", "kind": "law", "jurisdiction": "NLE", "branch": "legislative",
        "title_es": "Reforma a la Ley de Gobierno Digital del Estado de Nuevo León sobre sistemas algorítmicos",
        "title_en": "Amendment to Nuevo León's Digital Government Law on algorithmic systems",
        "summary_es": (
            "Reforma que obliga a las dependencias estatales a inventariar los sistemas algorítmicos que usan "
            "para decidir sobre trámites y apoyos, y a informar a las personas cuando una decisión se apoyó en "
            "ellos."),
        "summary_en": (
            "An amendment requiring state agencies to keep an inventory of the algorithmic systems they use to "
            "decide on procedures and support, and to tell people when a decision relied on one."),
        "source_url": "https://www.hcnl.gob.mx/trabajo_legislativo/leyes/ley-de-gobierno-digital",
        "stages": (
            ("proposed", "2023-03-14", "Presentada ante el Congreso del Estado."),
            ("in_committee", "2023-03-20", "Turnada a la Comisión de Gobernación y Organización Interna de los "
                                          "Poderes."),
            ("approved", "2023-11-28", "Aprobada por el Pleno del Congreso de Nuevo León."),
            ("in_force", "2024-01-15", "Publicada en el Periódico Oficial del Estado; entra en vigor."),
        ),
        "recorder": "liaison", "published": True, "uptakes": (),
    },
    {
        "key": "pue-regulation", "kind": "regulation", "jurisdiction": "PUE", "branch": "executive",
        "title_es": "Reglamento para el uso de sistemas de inteligencia artificial en la Administración Pública "
                    "del Estado de Puebla",
        "title_en": "Regulation on the use of artificial intelligence systems in Puebla's state administration",
        "summary_es": (
            "Proyecto de reglamento sobre la adquisición, la documentación y la supervisión humana de los sistemas "
            "de IA del gobierno estatal, con auditorías de sesgo en los programas sociales."),
        "summary_en": (
            "A draft regulation on procuring, documenting and keeping human oversight of the state government's "
            "AI systems, with bias audits in social programmes."),
        "source_url": "https://ojp.puebla.gob.mx/proyectos/reglamento-inteligencia-artificial",
        "stages": (
            ("proposed", -70, "Proyecto publicado para consulta en el portal de mejora regulatoria del estado."),
        ),
        "recorder": "coordinator", "published": False,
        "uptakes": (
            (6, "partial", "https://ojp.puebla.gob.mx/proyectos/reglamento-inteligencia-artificial#art-17",
             "Artículo 17. Los programas sociales que utilicen sistemas de inteligencia artificial para asignar "
             "apoyos realizarán una auditoría de sesgo antes de su operación."),
        ),
    },
    {
        "key": "que-bill", "kind": "bill", "jurisdiction": "QUE", "branch": "legislative",
        "title_es": "Iniciativa de Ley de Fomento a la Inteligencia Artificial del Estado de Querétaro",
        "title_en": "Bill on the Promotion of Artificial Intelligence in the State of Querétaro",
        "summary_es": (
            "Iniciativa que crea un consejo estatal de IA, un fondo para proyectos de investigación aplicada y "
            "obligaciones de transparencia para los sistemas que use el gobierno del estado."),
        "summary_en": (
            "A bill creating a state AI council, a fund for applied research projects and transparency duties "
            "for the systems the state government uses."),
        "source_url": ("https://site.legislaturaqueretaro.gob.mx/CloudPLQ/SerPar/Iniciativas/"
                       "iniciativa-ley-fomento-ia.pdf"),
        "stages": (
            ("proposed", -400, "Presentada ante la Legislatura del Estado."),
            ("in_committee", -390, "Turnada a la Comisión de Educación, Cultura, Ciencia y Tecnología."),
        ),
        "recorder": "liaison", "published": True, "uptakes": (),
    },
    {
        "key": "yuc-bill", "kind": "bill", "jurisdiction": "YUC", "branch": "legislative",
        "title_es": "Iniciativa de Ley de Gobierno Digital e Inteligencia Artificial del Estado de Yucatán",
        "title_en": "Bill on Digital Government and Artificial Intelligence for the State of Yucatán",
        "summary_es": "Iniciativa para regular los trámites digitales y el uso de algoritmos en el gobierno estatal.",
        "summary_en": "A bill regulating digital procedures and the use of algorithms by the state government.",
        "source_url": "https://www.congresoyucatan.gob.mx/iniciativas/ley-gobierno-digital-ia",
        "stages": (
            ("proposed", "2020-10-15", "Presentada ante el Congreso del Estado."),
            ("in_committee", "2020-10-20", "Turnada a la Comisión de Ciencia, Tecnología e Innovación."),
            ("abandoned", "2021-08-31",
             "Caducó sin dictamen al concluir la legislatura; nadie la volvió a presentar."),
        ),
        "recorder": "coordinator", "published": False, "uptakes": (),
    },
    {
        "key": "gua-programme", "kind": "programme", "jurisdiction": "GUA", "branch": "executive",
        "title_es": "Programa Guanajuato de Inteligencia Artificial 2019",
        "title_en": "Guanajuato Artificial Intelligence Programme 2019",
        "summary_es": "Programa estatal de becas y laboratorios de IA en universidades tecnológicas del Bajío.",
        "summary_en": "A state programme of AI scholarships and labs in the Bajío's technological universities.",
        "source_url": "https://guanajuato.gob.mx/programas/inteligencia-artificial-2019",
        "stages": (
            ("proposed", "2019-02-11", "Presentado por la Secretaría de Innovación, Ciencia y Educación Superior."),
            ("approved", "2019-04-08", "Aprobadas sus reglas de operación."),
            ("in_force", "2019-05-01", "Abre su primera convocatoria de becas."),
            ("repealed", "2022-01-10",
             "Sustituido por el programa estatal de innovación 2022-2024, que conservó sus becas de formación."),
        ),
        "recorder": "coordinator", "published": True, "uptakes": (),
    },
    {
        "key": "oecd", "kind": "declaration", "jurisdiction": "international", "place": "OCDE",
        "branch": "executive",
        "title_es": "Recomendación del Consejo de la OCDE sobre Inteligencia Artificial (Principios de IA de la OCDE)",
        "title_en": "OECD Council Recommendation on Artificial Intelligence (OECD AI Principles)",
        "summary_es": (
            "Primer estándar intergubernamental sobre IA: cinco principios para una IA confiable y cinco "
            "recomendaciones de política pública. México se adhirió como país miembro."),
        "summary_en": (
            "The first intergovernmental standard on AI: five principles for trustworthy AI and five policy "
            "recommendations. Mexico adhered as a member country."),
        "source_url": "https://legalinstruments.oecd.org/en/instruments/OECD-LEGAL-0449",
        "stages": (
            ("approved", "2019-05-22", "Adoptada por el Consejo de la OCDE a nivel ministerial, con la adhesión de "
                                       "México."),
        ),
        "recorder": "coordinator", "published": True, "uptakes": (),
    },
    {
        "key": "unesco", "kind": "declaration", "jurisdiction": "international", "place": "UNESCO",
        "branch": "executive",
        "title_es": "Recomendación sobre la Ética de la Inteligencia Artificial (UNESCO)",
        "title_en": "Recommendation on the Ethics of Artificial Intelligence (UNESCO)",
        "summary_es": (
            "Marco ético mundial sobre IA adoptado por los Estados miembros de la UNESCO, con evaluación de "
            "impacto ético y metodología de evaluación del estado de preparación de cada país."),
        "summary_en": (
            "A global ethical framework for AI adopted by UNESCO's member states, with ethical impact assessment "
            "and a readiness assessment methodology for each country."),
        "source_url": "https://unesdoc.unesco.org/ark:/48223/pf0000381137",
        "stages": (
            ("approved", "2021-11-23", "Adoptada por los Estados miembros en la 41.ª reunión de la Conferencia "
                                       "General de la UNESCO."),
        ),
        "recorder": "coordinator", "published": True, "uptakes": (),
    },
)

# Engagements. held: days from today (positive: upcoming). follow_ups: (text, days after held, done).
ENGAGEMENTS = (
    {
        "key": "jal-forum", "kind": "forum", "title": "Foro estatal «Hacia una Estrategia Jalisco de IA»",
        "held": -120, "jurisdiction": "JAL", "place": "Guadalajara, Jal.",
        "body": "Secretaría de Innovación, Ciencia y Tecnología del Estado de Jalisco", "instrument": "jal-strategy",
        "institutions": ("IEACJ", "CEPET", "CRIEO"), "recorder": "liaison", "approved": True, "published": True,
        "position": (
            "## Postura de la coalición\n\n"
            "La coalición celebra que Jalisco elabore su propia estrategia de IA y propone que incluya:\n\n"
            "1. **Formación en IA para todas las personas servidoras públicas** del Ejecutivo estatal.\n"
            "2. **Evaluación de riesgos obligatoria** antes de adoptar sistemas de IA de alto riesgo.\n"
            "3. **Datos abiertos por sector**, empezando por salud, movilidad y educación.\n\n"
            "Las instituciones jaliscienses de la coalición ofrecen acompañar su implementación."),
        "follow_ups": (
            ("Enviar a la Secretaría la relatoría del foro con las propuestas de la coalición.", 7, True),
            ("Comparar el borrador de la Estrategia con las recomendaciones publicadas de la Agenda Nacional.", 60,
             True),
        ),
    },
    {
        "key": "jal-congress", "kind": "meeting",
        "title": "Reunión con la Comisión de Hacienda y Presupuesto del Congreso de Jalisco",
        "held": (11, 20, -1), "jurisdiction": "JAL", "place": "Guadalajara, Jal.",
        "body": "Comisión de Hacienda y Presupuesto del Congreso del Estado de Jalisco", "instrument": "jal-budget",
        "institutions": ("NEURONIA", "MAGUEY"), "recorder": "liaison", "approved": True, "published": False,
        "position": (
            "La coalición pide que la Estrategia Jalisco de IA cuente con una partida propia y multianual, "
            "con indicadores públicos de avance."),
        "follow_ups": (("Solicitar a la Comisión el desglose de la partida aprobada.", 45, False),),
    },
    {
        "key": "zapopan-meeting", "kind": "meeting",
        "title": "Mesa de trabajo con el Ayuntamiento de Zapopan sobre el registro municipal de algoritmos",
        "held": -60, "jurisdiction": "municipal", "state": "JAL", "place": "Zapopan",
        "body": "Dirección de Innovación Gubernamental del Ayuntamiento de Zapopan", "instrument": "zapopan",
        "institutions": ("CEPET", "IEACJ"), "recorder": "liaison", "approved": True, "published": True,
        "position": (
            "Un registro municipal de algoritmos debe decir, para cada sistema, **qué decide, con qué datos y "
            "quién responde**, y publicarse en formato abierto."),
        "follow_ups": (("Compartir con el Ayuntamiento la plantilla de registro de la coalición.", 10, True),),
    },
    {
        "key": "jal-review", "kind": "forum",
        "title": "Mesa de seguimiento de la Estrategia Jalisco de IA: primer informe",
        "held": 18, "jurisdiction": "JAL", "place": "Guadalajara, Jal.",
        "body": "Secretaría de Innovación, Ciencia y Tecnología del Estado de Jalisco", "instrument": "jal-strategy",
        "institutions": ("IEACJ", "CEPET", "NEURONIA", "ADEJ"), "recorder": "liaison", "approved": False,
        "published": False,
        "position": (
            "Borrador: la coalición reconoce el arranque del programa de formación y pide publicar los "
            "indicadores de la evaluación de riesgos."),
        "follow_ups": (("Preparar el tablero de seguimiento de las recomendaciones adoptadas por la Estrategia.", -3,
                        False),),
    },
    {
        "key": "senate-hearing", "kind": "hearing",
        "title": "Parlamento abierto sobre la regulación de la inteligencia artificial",
        "held": -20, "jurisdiction": "federal", "place": "Senado de la República, Ciudad de México",
        "body": "Comisión de Ciencia, Humanidades, Tecnología e Innovación del Senado", "instrument": "senate-bill",
        "institutions": ("OCA", "INMAC", "CANISD", "FDAT"), "recorder": "coordinator", "approved": True,
        "published": True,
        "position": (
            "## Postura de la coalición\n\n"
            "Apoyamos un **marco regulatorio basado en riesgos** y pedimos que el órgano de supervisión tenga "
            "**autonomía técnica y presupuestal**, no solo funciones consultivas. La ley debe armonizarse con "
            "la protección de datos personales."),
        "follow_ups": (
            ("Entregar por escrito a la Comisión la postura y el comparativo con las recomendaciones.", 5, True),
            ("Dar seguimiento al dictamen en comisiones.", 90, False),
        ),
    },
    {
        "key": "apf-submission", "kind": "submission",
        "title": "Comentarios de la coalición al proyecto de Lineamientos de IA para la Administración Pública Federal",
        "held": 12, "jurisdiction": "federal", "place": "",
        "body": "Agencia de Transformación Digital y Telecomunicaciones", "instrument": "apf-guideline",
        "institutions": ("ITA", "OCA", "UMT"), "recorder": "coordinator", "approved": True, "published": False,
        "position": (
            "Proponemos que el registro de sistemas de IA sea **público y en datos abiertos**, y que la "
            "evaluación previa sea obligatoria para todo sistema que decida sobre derechos o apoyos sociales."),
        "follow_ups": (("Reunir los comentarios de los seis grupos de trabajo.", -5, False),),
    },
    {
        "key": "cdmx-meeting", "kind": "meeting",
        "title": "Reunión con la Agencia Digital de Innovación Pública de la Ciudad de México",
        "held": -150, "jurisdiction": "CMX", "place": "Ciudad de México",
        "body": "Agencia Digital de Innovación Pública de la Ciudad de México", "instrument": "cdmx-guideline",
        "institutions": ("UMT", "ITA", "REDPD"), "recorder": "coordinator", "approved": True, "published": True,
        "position": (
            "Los lineamientos de la Ciudad son una referencia nacional; proponemos actualizarlos con un registro "
            "público de algoritmos y evaluaciones de sesgo."),
        "follow_ups": (("Enviar la propuesta de actualización de los lineamientos.", 30, True),),
    },
    {
        "key": "nle-forum", "kind": "forum", "title": "Foro Nuevo León IA: talento para la industria",
        "held": -75, "jurisdiction": "NLE", "place": "Monterrey, N.L.",
        "body": "Secretaría de Economía del Estado de Nuevo León", "instrument": "nle-programme",
        "institutions": ("CICDN", "AETNL", "MUTENOR"), "recorder": "liaison", "approved": True, "published": True,
        "position": (
            "Proponemos que las becas del programa lleguen a mujeres y a municipios fuera del área metropolitana "
            "de Monterrey, con metas públicas."),
        "follow_ups": (("Compartir los datos de participación por género de la convocatoria.", 30, True),),
    },
    {
        "key": "que-hearing", "kind": "hearing",
        "title": "Audiencia pública sobre la Iniciativa de Ley de Fomento a la IA de Querétaro",
        "held": -380, "jurisdiction": "QUE", "place": "Santiago de Querétaro, Qro.",
        "body": "Comisión de Educación, Cultura, Ciencia y Tecnología de la Legislatura de Querétaro",
        "instrument": "que-bill", "institutions": ("IQCMI", "CTIQ", "FCIH"), "recorder": "liaison",
        "approved": True, "published": True,
        "position": (
            "La coalición respalda la iniciativa y pide que el fondo estatal sea concursable y que el consejo "
            "incluya a la sociedad civil."),
        "follow_ups": (("Pedir a la Comisión una fecha para dictaminar la iniciativa.", 120, False),),
    },
    {
        "key": "gua-forum", "kind": "forum", "title": "Foro regional del Bajío sobre IA y manufactura",
        "held": 35, "jurisdiction": "GUA", "place": "León, Gto.",
        "body": "Secretaría de Innovación, Ciencia y Educación Superior de Guanajuato", "instrument": None,
        "institutions": ("UPB", "CMAB", "ICTIG"), "recorder": "coordinator", "approved": False, "published": True,
        "position": "", "follow_ups": (),
    },
    {
        "key": "yuc-workshop", "kind": "event",
        "title": "Taller sobre IA y lenguas originarias con el Consejo de Ciencia de Yucatán",
        "held": -200, "jurisdiction": "YUC", "place": "Mérida, Yuc.",
        "body": "Consejo de Ciencia, Innovación y Tecnología del Estado de Yucatán", "instrument": None,
        "institutions": ("UTPEN", "CCIY"), "recorder": "coordinator", "approved": False, "published": False,
        "position": "", "follow_ups": (("Publicar las memorias del taller.", 30, True),),
    },
    {
        "key": "pue-meeting", "kind": "meeting",
        "title": "Reunión con el Gobierno de Puebla sobre datos abiertos e IA",
        "held": -90, "jurisdiction": "PUE", "place": "Puebla, Pue.",
        "body": "Coordinación de Gobierno Digital del Estado de Puebla", "instrument": None,
        "institutions": ("CEDP", "LABCIP"), "recorder": "coordinator", "approved": True, "published": False,
        "position": "Proponemos publicar en datos abiertos los conjuntos de salud y movilidad del estado.",
        "follow_ups": (("Enviar el catálogo de conjuntos de datos prioritarios.", 14, False),),
    },
    {
        "key": "abroad", "kind": "event", "title": "Encuentro con la red de talento mexicano en IA en el exterior",
        "held": -45, "jurisdiction": "abroad", "place": "Madrid, España",
        "body": "Instituto de los Mexicanos en el Exterior", "instrument": None,
        "institutions": ("CMEM", "PIIA", "RTME"), "recorder": "coordinator", "approved": True, "published": True,
        "position": (
            "La coalición invita a las personas investigadoras mexicanas en el exterior a sumarse a una red de "
            "talento con estancias de retorno en las regiones."),
        "follow_ups": (("Abrir el registro de la red de talento en el exterior.", 30, False),),
    },
    {
        "key": "oecd-meeting", "kind": "meeting",
        "title": "Reunión del Grupo de Trabajo sobre Gobernanza de la IA de la OCDE",
        "held": -100, "jurisdiction": "international", "place": "OCDE, París",
        "body": "OCDE, Grupo de Trabajo sobre Gobernanza de la IA", "instrument": "oecd",
        "institutions": ("RLEIA", "CIGT"), "recorder": "coordinator", "approved": True, "published": True,
        "position": (
            "México necesita una institución estable que dé seguimiento a los Principios de IA de la OCDE más "
            "allá de cada administración."),
        "follow_ups": (),
    },
)

# --- what each unit of scale above 1 adds ---------------------------------------------------------

# Stage paths by kind of instrument: a bill stays a bill until approved; laws went through committee.
BILL_PATHS = (
    ("proposed", "in_committee"),
    ("proposed", "in_committee", "approved"),
    ("proposed", "in_committee", "abandoned"),
    ("proposed",),
)
LAW_PATHS = (
    ("proposed", "in_committee", "approved", "in_force"),
    ("proposed", "in_committee", "approved", "in_force", "repealed"),
)
EXECUTIVE_PATHS = (
    ("proposed", "approved", "in_force"),
    ("proposed", "approved", "in_force"),
    ("proposed", "approved", "in_force", "repealed"),
    ("proposed", "abandoned"),
    ("proposed",),
)
BUDGET_PATHS = (("proposed", "approved", "in_force"),)
PATHS = {"bill": BILL_PATHS, "law": LAW_PATHS, "budget": BUDGET_PATHS}
STAGE_NOTES = {
    "proposed": ("Presentado para consulta pública.", "Presentado ante el Congreso del Estado.",
                 "Publicado el proyecto en el portal del gobierno."),
    "in_committee": ("Turnado a comisiones.", "En análisis en la comisión de ciencia y tecnología."),
    "approved": ("Aprobado y publicado en el periódico oficial.", "Aprobado por el Pleno."),
    "in_force": ("Entra en vigor.", "Inicia su implementación."),
    "repealed": ("Abrogado al aprobarse un nuevo programa que lo sustituye.",
                 "Derogado por la nueva administración estatal."),
    "abandoned": ("Abandonado tras el cambio de administración estatal.",
                  "Caducó sin dictamen al concluir la legislatura.",
                  "Sin presupuesto asignado; la dependencia dejó de darle seguimiento."),
}
# (kind, branch, municipal?, title es, title en, summary es, summary en): {state} (the name), {of_state}
# (Spanish "de Jalisco", "del Estado de México"), {place} and {year} filled in.
STATE_TEMPLATES = (
    ("strategy", "executive", False, "Estrategia estatal de inteligencia artificial {of_state} {year}",
     "{state} state artificial intelligence strategy {year}",
     "Estrategia del gobierno {of_state} para el uso y el desarrollo de la IA.",
     "The {state} government's strategy for the use and development of AI."),
    ("bill", "legislative", False, "Iniciativa de Ley de Fomento a la Inteligencia Artificial {of_state}",
     "Bill on the promotion of artificial intelligence in {state}",
     "Iniciativa que crea un consejo estatal de IA y un fondo de investigación aplicada.",
     "A bill creating a state AI council and an applied research fund."),
    ("law", "legislative", False, "Reforma a la Ley de Gobierno Digital {of_state} sobre sistemas algorítmicos",
     "Amendment to {state}'s Digital Government Law on algorithmic systems",
     "Reforma que obliga a registrar y evaluar los sistemas algorítmicos del gobierno estatal.",
     "An amendment requiring the state government to register and assess its algorithmic systems."),
    ("regulation", "executive", False, "Reglamento para el uso de IA en la administración pública {of_state}",
     "Regulation on the use of AI in {state}'s public administration",
     "Reglas de adquisición, documentación y supervisión humana de los sistemas de IA estatales.",
     "Rules on procuring, documenting and overseeing the state's AI systems."),
    ("guideline", "executive", False, "Lineamientos de datos abiertos y algoritmos públicos {of_state}",
     "{state} guidelines on open data and public algorithms",
     "Lineamientos para publicar conjuntos de datos y los algoritmos que usa el gobierno estatal.",
     "Guidelines for publishing datasets and the algorithms the state government uses."),
    ("programme", "executive", False, "Programa de formación docente en IA {of_state} {year}",
     "{state} teacher training programme in AI {year}",
     "Programa estatal que forma en inteligencia artificial a docentes de educación básica.",
     "A state programme training basic-education teachers in artificial intelligence."),
    ("budget", "legislative", False, "Partida de innovación e IA del Presupuesto de Egresos {of_state} {year}",
     "Innovation and AI line in {state}'s Expenditure Budget {year}",
     "Partida estatal para proyectos de IA en servicios públicos.",
     "A state budget line for AI projects in public services."),
    ("programme", "executive", True, "Programa municipal de ciudad inteligente de {place} {year}",
     "{place} municipal smart city programme {year}",
     "Programa municipal para usar IA en la atención de reportes ciudadanos.",
     "A municipal programme using AI to handle residents' reports."),
)
# (kind, title, body, position): {state} and {of_state} filled in.
ENGAGEMENT_TEMPLATES = (
    ("forum", "Foro estatal de inteligencia artificial en {state}", "Gobierno {of_state}",
     "La coalición propone una estrategia estatal de IA con formación, datos abiertos y evaluación de riesgos."),
    ("meeting", "Reunión con la secretaría de innovación {of_state}", "Secretaría de Innovación {of_state}",
     "Proponemos que el estado publique un registro de los algoritmos que utiliza."),
    ("hearing", "Audiencia pública en el Congreso {of_state} sobre IA", "Congreso {of_state}",
     "La coalición respalda un marco basado en riesgos con participación de la sociedad civil."),
    ("event", "Taller de IA para personas servidoras públicas {of_state}", "Gobierno {of_state}", ""),
    ("submission", "Comentarios de la coalición a la consulta sobre IA {of_state}",
     "Gobierno {of_state}",
     "Enviamos comentarios para que la evaluación de impacto sea obligatoria en sistemas de alto riesgo."),
)
FOLLOW_UP_TEXTS = (
    "Enviar la relatoría y las propuestas de la coalición.",
    "Dar seguimiento a los acuerdos con la dependencia.",
    "Compartir los materiales del taller con los grupos de trabajo.",
    "Solicitar una reunión de seguimiento.",
)
# A domain per state, for generated source links (plausible official portals).
STATE_DOMAINS = {
    "AGU": "aguascalientes.gob.mx", "BCN": "bajacalifornia.gob.mx", "BCS": "bcs.gob.mx", "CAM": "campeche.gob.mx",
    "CHP": "chiapas.gob.mx", "CHH": "chihuahua.gob.mx", "CMX": "cdmx.gob.mx", "COA": "coahuila.gob.mx",
    "COL": "col.gob.mx", "DUR": "durango.gob.mx", "GUA": "guanajuato.gob.mx", "GRO": "guerrero.gob.mx",
    "HID": "hidalgo.gob.mx", "JAL": "jalisco.gob.mx", "MEX": "edomex.gob.mx", "MIC": "michoacan.gob.mx",
    "MOR": "morelos.gob.mx", "NAY": "nayarit.gob.mx", "NLE": "nl.gob.mx", "OAX": "oaxaca.gob.mx",
    "PUE": "puebla.gob.mx", "QUE": "queretaro.gob.mx", "ROO": "qroo.gob.mx", "SLP": "slp.gob.mx",
    "SIN": "sinaloa.gob.mx", "SON": "sonora.gob.mx", "TAB": "tabasco.gob.mx", "TAM": "tamaulipas.gob.mx",
    "TLA": "tlaxcala.gob.mx", "VER": "veracruz.gob.mx", "YUC": "yucatan.gob.mx", "ZAC": "zacatecas.gob.mx",
}
