"""The demo's national consultation and agenda: fictional, but written as a Mexican coalition would."""
from __future__ import annotations

# A receipt code that opens one coded, cited contribution's timeline in the demo (it is not secret).
DEMO_RECEIPT = "DEM2-NACX-MXCA"

NATIONAL = {
    "slug": "consulta-nacional-ia",
    "title_es": "Consulta Nacional sobre Inteligencia Artificial",
    "title_en": "National Consultation on Artificial Intelligence",
    "description_es": (
        "La coalición preguntó a personas de todo el país qué esperan y qué temen de la inteligencia "
        "artificial. Las respuestas, recogidas en línea, en talleres y en foros estatales, son la base de "
        "las recomendaciones de la Agenda Nacional de IA."),
    "description_en": (
        "The coalition asked people across the country what they hope for and fear from artificial "
        "intelligence. Their answers, collected online, at workshops and at state forums, are the basis of "
        "the National AI Agenda's recommendations."),
}
PRINCIPLES = {
    "slug": "principios-ia",
    "title_es": "Consulta pública: Principios Generales de IA",
    "title_en": "Public consultation: General Principles for AI",
    "description_es": (
        "El gobierno abrió a comentarios su borrador de Principios Generales para el uso de la inteligencia "
        "artificial. Comenta cada principio y dinos qué falta."),
    "description_en": (
        "The government has opened its draft General Principles for the use of artificial intelligence to "
        "comment. Comment on each principle and tell us what is missing."),
}

# (kind, required, prompt_es, prompt_en, choices as (es, en))
NATIONAL_QUESTIONS = (
    ("text", True, "¿Cuál es el mayor reto o la mayor oportunidad de la inteligencia artificial para México?",
     "What is the greatest challenge or opportunity of artificial intelligence for Mexico?", ()),
    ("single", False, "¿Qué tanto usas herramientas de inteligencia artificial?",
     "How much do you use artificial intelligence tools?",
     (("A diario", "Daily"), ("Cada semana", "Weekly"), ("Rara vez", "Rarely"), ("Nunca", "Never"))),
    ("multiple", False, "¿En qué áreas debe actuar primero el país? Elige hasta tres.",
     "Where should the country act first? Choose up to three.",
     (("Gobernanza, gobierno y servicios públicos", "Governance, government and public services"),
      ("Investigación y desarrollo", "Research and development"),
      ("Capacidades, habilidades y educación", "Capacity, skills and education"),
      ("Infraestructura de datos", "Data infrastructure"),
      ("Ética y regulación", "Ethics and regulation"))),
    ("text", False, "¿Qué propuesta concreta harías a los grupos de trabajo?",
     "What concrete proposal would you make to the working groups?", ()),
)
AREA_CHOICE = {"governance": 1, "research": 2, "skills": 3, "data": 4, "ethics": 5}

PRINCIPLES_QUESTIONS = (
    ("single", True, "En general, ¿estás de acuerdo con el borrador de Principios Generales?",
     "Overall, do you agree with the draft General Principles?",
     (("De acuerdo", "I agree"), ("Parcialmente de acuerdo", "I partly agree"), ("En desacuerdo", "I disagree"))),
    ("text", False, "¿Qué le falta al borrador?", "What is missing from the draft?", ()),
)

# (name_es, name_en, description_es, description_en, area, group, what people write: Spanish sentences)
THEMES = (
    ("Datos abiertos y calidad de los datos públicos", "Open data and public data quality",
     "Acceso, calidad y actualización de los datos del gobierno.", "Access to, quality and currency of government data.",
     "data", "data",
     ("Los datos del gobierno están incompletos y cada dependencia los publica en un formato distinto.",
      "Sin datos abiertos de calidad no hay investigación ni emprendimiento en IA.",
      "Necesitamos datos de salud y educación anonimizados y actualizados.",
      "Los municipios no publican sus datos; las universidades no tienen con qué entrenar modelos.")),
    ("Infraestructura de cómputo y nube soberana", "Compute infrastructure and sovereign cloud",
     "Capacidad de cómputo nacional, centros de datos y nube pública.", "National compute capacity, data centres and public cloud.",
     "data", "data",
     ("Las universidades estatales no tienen GPUs; dependemos de nubes extranjeras que cobran en dólares.",
      "Hace falta un centro nacional de supercómputo abierto a investigadores de todo el país.",
      "La soberanía tecnológica empieza por tener dónde procesar nuestros propios datos.")),
    ("Protección de datos personales y privacidad", "Personal data protection and privacy",
     "Consentimiento, vigilancia y uso de datos personales por sistemas de IA.", "Consent, surveillance and the use of personal data by AI systems.",
     "ethics", "ethics",
     ("Me preocupa que las apps usen mis datos sin que yo lo sepa.",
      "La ley de protección de datos no contempla el entrenamiento de modelos.",
      "El reconocimiento facial en espacios públicos debe tener límites claros.",
      "Quiero saber qué datos míos usa el gobierno y para qué.")),
    ("Sesgos y discriminación algorítmica", "Algorithmic bias and discrimination",
     "Sistemas que tratan peor a mujeres, pueblos indígenas o personas pobres.", "Systems that treat women, Indigenous peoples or poor people worse.",
     "ethics", "ethics",
     ("Los algoritmos de crédito discriminan a quien vive en colonias populares.",
      "Los modelos se entrenan con datos de otros países y no reconocen nuestra diversidad.",
      "Los programas sociales que usen IA deben auditarse para evitar excluir a quien más lo necesita.")),
    ("Transparencia de los algoritmos del gobierno", "Transparency of government algorithms",
     "Saber qué sistemas usa el gobierno y cómo deciden.", "Knowing which systems the government uses and how they decide.",
     "governance", "governance",
     ("El gobierno debe publicar qué algoritmos usa para decidir sobre trámites y apoyos.",
      "Si una máquina me niega un trámite, tengo derecho a saber por qué.",
      "Un registro público de algoritmos daría confianza a la ciudadanía.")),
    ("Regulación basada en riesgos", "Risk-based regulation",
     "Reglas proporcionales al riesgo de cada uso de la IA.", "Rules proportionate to the risk of each use of AI.",
     "ethics", "ethics",
     ("No se trata de prohibir la IA sino de regular sus usos de alto riesgo.",
      "Una regulación copiada de Europa frenaría a las empresas mexicanas; debe adaptarse a nuestro contexto.",
      "Los sistemas que deciden sobre salud, justicia o empleo necesitan evaluación previa.")),
    ("Formación docente e IA en la escuela", "Teacher training and AI at school",
     "Preparar a docentes y estudiantes para usar y entender la IA.", "Preparing teachers and students to use and understand AI.",
     "skills", "skills",
     ("Los maestros no recibimos ninguna capacitación sobre IA y los alumnos ya la usan para todo.",
      "El pensamiento computacional debería enseñarse desde la primaria.",
      "Las normales deben incluir IA en la formación de los futuros docentes.")),
    ("Empleo, automatización y recapacitación", "Jobs, automation and reskilling",
     "El efecto de la IA en el trabajo y cómo preparar a quienes lo pierden.", "AI's effect on work and how to prepare those who lose theirs.",
     "skills", "skills",
     ("Tengo miedo de que la IA sustituya a los trabajadores de los centros de atención telefónica.",
      "Hace falta un programa de recapacitación para quienes pierdan su empleo por la automatización.",
      "Las pequeñas empresas necesitan apoyo para adoptar la IA sin despedir a nadie.")),
    ("Financiamiento a la investigación", "Research funding",
     "Recursos estables para la investigación en IA en todo el país.", "Stable resources for AI research across the country.",
     "research", "research",
     ("La investigación en IA se concentra en tres ciudades; los estados no tienen fondos.",
      "Los fondos para ciencia se recortan cada año; así no se puede planear a largo plazo.",
      "Se necesitan becas de posgrado en IA que obliguen a regresar a las regiones.")),
    ("Vinculación academia–industria y emprendimiento", "Academia–industry links and entrepreneurship",
     "Llevar la investigación a empresas y startups mexicanas.", "Bringing research to Mexican companies and startups.",
     "research", "research",
     ("Las startups mexicanas de IA no encuentran capital ni clientes en el gobierno.",
      "La academia y la industria casi no colaboran; hacen falta incentivos fiscales.",
      "Los egresados talentosos se van al extranjero porque aquí no hay proyectos.")),
    ("Lenguas indígenas e inclusión digital", "Indigenous languages and digital inclusion",
     "Que la IA hable las lenguas del país y llegue a todas las comunidades.", "AI that speaks the country's languages and reaches every community.",
     "ethics", "abroad",
     ("Los asistentes de IA no entienden el náhuatl ni el maya; nuestras comunidades quedan fuera.",
      "Hay que consultar a los pueblos indígenas antes de usar sus lenguas para entrenar modelos.",
      "La IA podría ayudar a preservar lenguas en riesgo si se hace con las comunidades.")),
    ("IA en salud y servicios públicos", "AI in health and public services",
     "Usos de la IA para mejorar la atención en clínicas, trámites y servicios.", "Uses of AI to improve care in clinics, paperwork and services.",
     "governance", "governance",
     ("La IA podría reducir las filas en las clínicas del IMSS si se usa para agendar y diagnosticar.",
      "Los trámites del gobierno podrían resolverse en minutos con asistentes bien diseñados.",
      "Antes de usar IA en hospitales hay que probarla con pacientes mexicanos.")),
    ("Brecha digital y conectividad regional", "Digital divide and regional connectivity",
     "Conectividad, equipos y acceso desigual entre regiones.", "Connectivity, devices and unequal access between regions.",
     "data", "data",
     ("En mi municipio no hay internet estable; hablar de IA aquí suena lejano.",
      "La IA ampliará la brecha entre el norte y el sur si no se invierte en conectividad.",
      "Las escuelas rurales necesitan equipo y conexión antes que cualquier otra cosa.")),
)
ENGLISH_SENTENCES = (
    "Mexico needs clear rules for high-risk AI, written with the people they affect.",
    "Open government data would let Mexican researchers build their own models.",
    "As a Mexican working abroad, I would come back if there were serious AI research centres.",
    "Teachers need training: students already use AI for homework.",
    "Public algorithms should be registered and explained in plain language.",
)
PROPOSALS = (
    "Que cada estado tenga un laboratorio de IA vinculado a su universidad pública.",
    "Crear un observatorio ciudadano de IA con participación de la sociedad civil.",
    "Publicar cada año un informe de los sistemas de IA usados por el gobierno federal.",
    "Dar cursos gratuitos de IA para adultos en las bibliotecas públicas.",
    "Exigir evaluaciones de impacto antes de comprar sistemas de IA con dinero público.",
    "Financiar traducción automática a lenguas indígenas con las propias comunidades.",
)
GENDERS = (("mujer", 44), ("hombre", 42), ("no binario", 2), ("prefiero no decir", 4), (None, 8))
SECTOR_WEIGHTS = {"academia": 26, "civil_society": 20, "individual": 28, "industry": 13, "government": 10,
                  "international": 3}
CHANNEL_WEIGHTS = {"online": 70, "workshop": 18, "forum": 12}
AGE_WEIGHTS = {"under_18": 4, "18_29": 30, "30_44": 33, "45_64": 22, "65_plus": 5, "undisclosed": 6}
# Where contributions come from: the largest states weigh more, every state appears.
STATE_WEIGHTS = {"CMX": 14, "MEX": 10, "JAL": 7, "NLE": 7, "PUE": 5, "VER": 4, "GUA": 4, "YUC": 4, "OAX": 4,
                 "CHP": 3, "MIC": 3, "QUE": 3, "SON": 2, "CHH": 2, "BCN": 2, "GRO": 2, "COA": 2, "HID": 2,
                 "SIN": 2, "TAM": 2, "SLP": 2, "TAB": 2, "MOR": 2, "AGU": 1, "ZAC": 1, "DUR": 1, "ROO": 1,
                 "TLA": 1, "NAY": 1, "CAM": 1, "COL": 1, "BCS": 1, "abroad": 2}
# Forums and workshops the paper sheets came from: (state, channel).
OFFLINE_EVENTS = (("OAX", "forum"), ("YUC", "forum"), ("NLE", "forum"), ("CHP", "workshop"), ("JAL", "workshop"),
                  ("CMX", "workshop"), ("SON", "forum"), ("PUE", "workshop"))
SPAM = ("Compra seguidores baratos en www.ejemplo-spam.mx", "asdfasdf asdf", "VISITA MI CANAL!!!",
        "Gana dinero desde casa con IA, escríbeme", "prueba prueba prueba")

ADOPTED_ANSWER = (
    "El grupo de trabajo construyó esta recomendación a partir de las aportaciones codificadas bajo {themes}. "
    "La coalición la adoptó y la incluye en la Agenda Nacional de IA.",
    "The working group built this recommendation from the contributions coded under {themes}. The coalition "
    "adopted it and includes it in the National AI Agenda.",
)
MERGED_ANSWER = (
    "Esta propuesta se integró en «{other}», que ya la cubre a escala nacional; sus aportaciones siguen "
    "respaldando la recomendación que la absorbió.",
    "This proposal was merged into “{other}”, which already covers it nationally; its contributions still "
    "stand behind the recommendation that absorbed it.",
)
REJECTED_ANSWER = (
    "La coalición no adopta esta propuesta: crear una secretaría nueva llevaría años y duplicaría funciones de la "
    "Agencia de Transformación Digital. Las aportaciones que la pedían se atienden en la recomendación sobre "
    "una unidad de IA dentro de la Agencia.",
    "The coalition does not adopt this proposal: a new ministry would take years and duplicate the Digital "
    "Transformation Agency's work. The contributions that asked for it are answered by the recommendation for an "
    "AI unit within the Agency.",
)

# (group, area, horizon, title_es, title_en, text_es, text_en, themes by position in THEMES)
ADOPTED = (
    ("governance", "governance", "short", "Publicar un registro nacional de algoritmos del gobierno",
     "Publish a national register of government algorithms",
     "Cada dependencia federal publicará qué sistemas automatizados usa, para qué decisiones y con qué datos, en un "
     "registro abierto y en lenguaje claro.",
     "Every federal agency will publish which automated systems it uses, for which decisions and on what data, in "
     "an open register written in plain language.", (4, 3, 2)),
    ("governance", "governance", "medium", "Crear una unidad de IA en la Agencia de Transformación Digital",
     "Create an AI unit within the Digital Transformation Agency",
     "Una unidad técnica acompañará a las dependencias en la compra, evaluación y supervisión de sistemas de IA.",
     "A technical unit will support agencies in buying, assessing and overseeing AI systems.", (4, 11)),
    ("governance", "governance", "long", "Llevar la IA a los servicios de salud pública con evaluación de impacto",
     "Bring AI into public health services with impact assessments",
     "Pilotos en clínicas públicas, evaluados con pacientes mexicanos antes de escalar.",
     "Pilots in public clinics, assessed with Mexican patients before scaling up.", (11,)),
    ("ethics", "ethics", "short", "Adoptar una herramienta de evaluación de riesgos para la IA del sector público",
     "Adopt a risk-assessment tool for public-sector AI",
     "Todo sistema de IA que decida sobre personas pasará una evaluación de riesgos antes de ponerse en marcha.",
     "Every AI system that makes decisions about people will pass a risk assessment before it goes live.", (5, 3)),
    ("ethics", "ethics", "medium", "Establecer un marco regulatorio de IA basado en riesgos",
     "Establish a risk-based AI regulatory framework",
     "Reglas proporcionales al riesgo: obligaciones fuertes para usos de alto riesgo, ligeras para el resto.",
     "Rules proportionate to risk: strong duties for high-risk uses, light ones for the rest.", (5,)),
    ("ethics", "ethics", "long", "Crear un órgano autónomo de supervisión de la IA",
     "Create an independent AI oversight body",
     "Un órgano con autonomía técnica vigilará el cumplimiento del marco regulatorio.",
     "A technically independent body will oversee compliance with the regulatory framework.", (5, 2)),
    ("ethics", "ethics", "short", "Auditorías de sesgo obligatorias en los programas sociales",
     "Mandatory bias audits for social programmes",
     "Los programas sociales que usen algoritmos para asignar apoyos publicarán auditorías de sesgo anuales.",
     "Social programmes that use algorithms to allocate support will publish yearly bias audits.", (3,)),
    ("data", "data", "short", "Publicar conjuntos de datos abiertos de alta calidad por sector",
     "Publish high-quality open datasets by sector",
     "Salud, educación, movilidad y medio ambiente: datos abiertos, documentados y actualizados.",
     "Health, education, mobility and environment: open, documented and up-to-date data.", (0,)),
    ("data", "data", "medium", "Construir una nube soberana para la investigación y el sector público",
     "Build a sovereign cloud for research and the public sector",
     "Capacidad de cómputo nacional, con costos en pesos y reglas mexicanas de protección de datos.",
     "National compute capacity, priced in pesos and under Mexican data-protection rules.", (1,)),
    ("data", "data", "long", "Una red nacional de centros de cómputo de alto rendimiento",
     "A national network of high-performance computing centres",
     "Centros regionales conectados, abiertos a universidades públicas y a empresas mexicanas.",
     "Connected regional centres, open to public universities and Mexican companies.", (1, 8)),
    ("data", "data", "medium", "Cerrar la brecha de conectividad en los municipios rurales",
     "Close the connectivity gap in rural municipalities",
     "Conectividad y equipos para escuelas y centros comunitarios antes de cualquier programa de IA.",
     "Connectivity and devices for schools and community centres before any AI programme.", (12,)),
    ("data", "ethics", "short", "Actualizar la ley de protección de datos personales para la IA",
     "Update personal data protection law for AI",
     "Reglas sobre consentimiento, entrenamiento de modelos y decisiones automatizadas.",
     "Rules on consent, model training and automated decisions.", (2,)),
    ("research", "research", "short", "Un fondo concursable para la investigación aplicada en IA",
     "A competitive fund for applied AI research",
     "Convocatorias anuales con cuotas para instituciones fuera de las tres grandes zonas metropolitanas.",
     "Yearly calls, with quotas for institutions outside the three largest metropolitan areas.", (8,)),
    ("research", "research", "medium", "Vinculación academia–industria con incentivos fiscales",
     "Academia–industry partnerships with tax incentives",
     "Deducciones para empresas que financien proyectos de IA con universidades públicas.",
     "Tax deductions for companies that fund AI projects with public universities.", (9,)),
    ("research", "research", "long", "Modelos de lenguaje abiertos para el español de México y las lenguas indígenas",
     "Open language models for Mexican Spanish and Indigenous languages",
     "Modelos abiertos, entrenados con datos obtenidos con consentimiento de las comunidades.",
     "Open models, trained on data obtained with the communities' consent.", (10, 8)),
    ("research", "skills", "medium", "Becas de posgrado en IA con retorno a las regiones",
     "AI graduate scholarships with a return to the regions",
     "Becas que incluyen una plaza en una institución del estado de origen.",
     "Scholarships that include a post at an institution in the home state.", (8, 6)),
    ("skills", "skills", "short", "Formar en IA a 50,000 docentes de educación básica",
     "Train 50,000 basic-education teachers in AI",
     "Cursos en línea y presenciales, con materiales en español y en lenguas indígenas.",
     "Online and in-person courses, with materials in Spanish and Indigenous languages.", (6,)),
    ("skills", "skills", "medium", "Incluir pensamiento computacional e IA en los planes de estudio",
     "Put computational thinking and AI into the curricula",
     "Desde la primaria hasta el bachillerato, con énfasis en el uso crítico de la IA.",
     "From primary school to high school, with an emphasis on critical use of AI.", (6,)),
    ("skills", "skills", "long", "Un sistema nacional de recapacitación ante la automatización",
     "A national reskilling system for automation",
     "Formación gratuita y certificada para quienes pierdan su empleo por la automatización.",
     "Free, certified training for people who lose their jobs to automation.", (7,)),
    ("skills", "governance", "short", "Capacitar en IA a las personas servidoras públicas",
     "Train public servants in AI",
     "Un programa obligatorio para quienes compran, usan o supervisan sistemas de IA.",
     "A mandatory programme for those who buy, use or oversee AI systems.", (4, 6)),
    ("abroad", "research", "medium", "Una red de talento mexicano en IA en el exterior",
     "A network of Mexican AI talent abroad",
     "Mentorías, estancias y proyectos conjuntos entre la diáspora y las instituciones mexicanas.",
     "Mentoring, visits and joint projects between the diaspora and Mexican institutions.", (9,)),
    ("abroad", "skills", "long", "Programa de retorno y estancias para investigadores en el exterior",
     "Return and visiting programme for researchers abroad",
     "Plazas y fondos de arranque para investigadores que regresen a México.",
     "Posts and start-up funds for researchers who return to Mexico.", (8,)),
    ("abroad", "governance", "short", "Cooperación internacional en estándares de IA",
     "International cooperation on AI standards",
     "Participación activa de México en los foros que definen estándares técnicos y éticos.",
     "Active Mexican participation in the forums that set technical and ethical standards.", (5,)),
    ("governance", "data", "medium", "Interoperabilidad de datos entre dependencias",
     "Data interoperability between agencies",
     "Estándares comunes para que los datos del gobierno se compartan de forma segura.",
     "Common standards so government data is shared safely.", (0, 4)),
    ("ethics", "governance", "medium", "Consulta obligatoria a las comunidades antes de desplegar IA que las afecte",
     "Mandatory consultation of communities before deploying AI that affects them",
     "Consulta libre, previa e informada cuando un sistema afecte a pueblos y comunidades.",
     "Free, prior and informed consultation when a system affects peoples and communities.", (10, 3)),
    ("skills", "ethics", "short", "Alfabetización ciudadana sobre IA y desinformación",
     "Public literacy on AI and disinformation",
     "Campañas y talleres para reconocer contenidos generados por IA.",
     "Campaigns and workshops to recognise AI-generated content.", (6, 3)),
)
# Adopted but not yet published, by position in ADOPTED.
UNPUBLISHED = (24, 25)
# The draft General Principles, in consultation at principios-ia: (group, area, horizon, es, en, text es, text en)
PRINCIPLES_DRAFTS = (
    ("ethics", "ethics", "short", "Principio 1: la IA al servicio de las personas y sus derechos",
     "Principle 1: AI in the service of people and their rights",
     "Todo sistema de IA respetará los derechos humanos y la dignidad de las personas.",
     "Every AI system will respect human rights and people's dignity."),
    ("ethics", "ethics", "short", "Principio 2: transparencia y explicabilidad",
     "Principle 2: transparency and explainability",
     "Las personas sabrán cuándo interactúan con una IA y podrán pedir una explicación de sus decisiones.",
     "People will know when they deal with an AI and may ask for an explanation of its decisions."),
    ("ethics", "governance", "short", "Principio 3: rendición de cuentas de quien despliega un sistema",
     "Principle 3: accountability of whoever deploys a system",
     "Quien ponga en marcha un sistema responde por sus efectos.",
     "Whoever puts a system into operation answers for its effects."),
    ("ethics", "ethics", "medium", "Principio 4: no discriminación e inclusión",
     "Principle 4: non-discrimination and inclusion",
     "Los sistemas se evaluarán para evitar sesgos contra cualquier grupo.",
     "Systems will be assessed to avoid bias against any group."),
    ("governance", "data", "medium", "Principio 5: privacidad y gobernanza de los datos",
     "Principle 5: privacy and data governance",
     "Los datos personales se usarán con consentimiento y con medidas de seguridad proporcionales.",
     "Personal data will be used with consent and with proportionate security measures."),
    ("governance", "ethics", "long", "Principio 6: seguridad, robustez y supervisión humana",
     "Principle 6: safety, robustness and human oversight",
     "Las decisiones de alto impacto tendrán siempre supervisión humana.",
     "High-impact decisions will always have human oversight."),
)
PRINCIPLE_COMMENTS = (
    "De acuerdo, pero hace falta decir quién vigila que se cumpla.",
    "Debe mencionar explícitamente a los pueblos indígenas.",
    "Está bien redactado; propongo agregar ejemplos concretos.",
    "Demasiado general: ¿qué pasa si una dependencia no lo cumple?",
    "Apoyo este principio, sobre todo para los programas sociales.",
    "Falta incluir a las empresas privadas, no solo al gobierno.",
    "Agregaría el derecho a no ser objeto de decisiones totalmente automatizadas.",
    "I support it; it should also cover systems bought from foreign vendors.",
)
MISSING = (
    "Falta hablar del impacto ambiental de los centros de datos.",
    "Falta un mecanismo de quejas para la ciudadanía.",
    "Faltan plazos y responsables.",
    "Falta considerar a las personas con discapacidad.",
)
# The merged one (into ADOPTED[7], open data), the rejected one and the drafts: (…, themes)
MERGED = ("data", "data", "short", "Un portal único de datos abiertos municipales",
          "A single portal for municipal open data",
          "Los municipios publicarían sus datos en un portal común.",
          "Municipalities would publish their data on one common portal.", (0, 12))
MERGED_INTO = 7
REJECTED = ("research", "governance", "long", "Crear una secretaría de Estado dedicada a la IA",
            "Create a cabinet ministry devoted to AI",
            "Una secretaría nueva encabezaría toda la política de IA.",
            "A new ministry would lead all AI policy.", (4,))
DRAFTS = (
    ("skills", "skills", "medium", "Certificación de competencias en IA para técnicos",
     "AI skills certification for technicians",
     "Estándares de competencia para técnicos que instalan y mantienen sistemas de IA.",
     "Competence standards for technicians who install and maintain AI systems.", (7,)),
    ("abroad", "data", "long", "Acuerdos de flujo transfronterizo de datos con garantías",
     "Cross-border data flow agreements with safeguards",
     "Acuerdos que permitan la cooperación científica sin renunciar a la protección de datos.",
     "Agreements that allow scientific cooperation without giving up data protection.", (2,)),
    ("research", "research", "short", "Laboratorios regionales de IA en universidades estatales",
     "Regional AI labs at state universities",
     "Un laboratorio por región, con equipo compartido y convocatorias abiertas.",
     "One lab per region, with shared equipment and open calls.", (9,)),
)
# ADOPTED positions linked to a demo deliverable of their group.
WITH_DELIVERABLES = (3, 7, 16)
# One recommendation split into another (positions in ADOPTED): the framework gave rise to the oversight body.
SPLIT = (4, 5)
