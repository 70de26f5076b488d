"""The demo coalition's fixed, fictional content: institutions, names and Spanish texts."""
from __future__ import annotations

# The four accounts the README and the tests log in with: email, name, role, institution acronym.
DEMO_ACCOUNTS = (
    ("admin@example.org", "Ana Administradora", "admin", None),
    ("coordinator@example.org", "Carlos Coordinador", "coordinator", "ATDCM"),
    ("lead@example.org", "Laura Líder", "member", "CEPET"),
    ("member@example.org", "Mario Miembro", "member", "OCA"),
)

# Fictional institutions: name, acronym, sector, state (ISO 3166-2:MX or "abroad"), country.
INSTITUTIONS = (
    # Academia
    ("Universidad Autónoma del Altiplano Potosino", "UAAP", "academia", "SLP", None),
    ("Instituto Tecnológico Superior de la Laguna", "ITSL", "academia", "COA", None),
    ("Universidad Politécnica del Bajío", "UPB", "academia", "GUA", None),
    ("Centro de Investigación en Ciencia de Datos del Noreste", "CICDN", "academia", "NLE", None),
    ("Universidad de la Costa Pacífica", "UCP", "academia", "SIN", None),
    ("Instituto de Estudios Avanzados en Computación de Jalisco", "IEACJ", "academia", "JAL", None),
    ("Universidad Intercultural de la Sierra Sur", "UISS", "academia", "OAX", None),
    ("Colegio de Estudios Digitales de Puebla", "CEDP", "academia", "PUE", None),
    ("Universidad Tecnológica de la Península", "UTPEN", "academia", "YUC", None),
    ("Centro Regional de Inteligencia Artificial del Golfo", "CRIAG", "academia", "VER", None),
    ("Universidad Metropolitana de Tlalpan", "UMT", "academia", "CMX", None),
    ("Instituto Nacional de Matemáticas Aplicadas y Cómputo", "INMAC", "academia", "CMX", None),
    ("Universidad Autónoma de la Frontera Norte", "UAFN", "academia", "BCN", None),
    ("Centro de Investigación en Óptica y Visión Computacional", "CIOVC", "academia", "GUA", None),
    ("Universidad del Desierto de Sonora", "UDS", "academia", "SON", None),
    ("Instituto Tecnológico de Chihuahua Norte", "ITCN", "academia", "CHH", None),
    ("Universidad Politécnica de Tlaxcala Oriente", "UPTO", "academia", "TLA", None),
    ("Universidad Estatal de Morelos Sur", "UEMS", "academia", "MOR", None),
    ("Colegio de la Frontera Digital", "COLFD", "academia", "TAM", None),
    ("Universidad Tecnológica del Valle de Aguascalientes", "UTVA", "academia", "AGU", None),
    ("Instituto de Investigaciones Sociales y Tecnología de Michoacán", "IISTM", "academia", "MIC", None),
    ("Instituto Queretano de Ciencia y Manufactura Inteligente", "IQCMI", "academia", "QUE", None),
    ("Universidad Veracruzana del Sotavento", "UVS", "academia", "VER", None),
    ("Centro de Estudios en Ética y Tecnología de Zacatecas", "CEETZ", "academia", "ZAC", None),
    ("Universidad Abierta Digital de Hidalgo", "UADH", "academia", "HID", None),
    ("Instituto Tecnológico Marítimo de Campeche", "ITMC", "academia", "CAM", None),
    ("Universidad Autónoma del Soconusco", "UASOC", "academia", "CHP", None),
    ("Escuela Superior de Cómputo de Durango", "ESCD", "academia", "DUR", None),
    ("Instituto de Ciencias del Mar y Datos de Colima", "ICMDC", "academia", "COL", None),
    ("Universidad Tecnológica de la Riviera Nayarita", "UTRN", "academia", "NAY", None),
    ("Universidad Autónoma Digital de Tabasco", "UADT", "academia", "TAB", None),
    ("Centro Mexicano de Estudios en Madrid", "CMEM", "academia", "abroad", "España"),
    # Industry
    ("Cámara Nacional de la Industria del Software y Servicios Digitales", "CANISD", "industry", "CMX", None),
    ("Cámara Regional de la Industria Electrónica de Occidente", "CRIEO", "industry", "JAL", None),
    ("Asociación de Empresas de Tecnología de Nuevo León", "AETNL", "industry", "NLE", None),
    ("Clúster de Manufactura Avanzada del Bajío", "CMAB", "industry", "GUA", None),
    ("Clúster de Tecnologías de la Información de Querétaro", "CTIQ", "industry", "QUE", None),
    ("Datalógica Soluciones", "DATALOGICA", "industry", "NLE", None),
    ("Neuronia Labs", "NEURONIA", "industry", "JAL", None),
    ("Xólotl Analítica", "XOLOTL", "industry", "CMX", None),
    ("Tlali Agrotech", "TLALI", "industry", "SIN", None),
    ("Quetzal Robótica", "QUETZAL", "industry", "PUE", None),
    ("Colibrí Fintech", "COLIBRI", "industry", "CMX", None),
    ("Mixteca Sistemas Inteligentes", "MIXTECA", "industry", "OAX", None),
    ("Ceiba Salud Digital", "CEIBA", "industry", "YUC", None),
    ("Cámara de Comercio Digital de Baja California", "CCDBC", "industry", "BCN", None),
    ("Asociación Mexicana de Centros de Datos", "AMCD", "industry", "MEX", None),
    ("Consejo Empresarial para la Transformación Digital", "CETD", "industry", "CMX", None),
    ("Cámara de la Industria de Telecomunicaciones del Norte", "CITN", "industry", "CHH", None),
    ("Cenzontle Voz y Lenguaje", "CENZONTLE", "industry", "CMX", None),
    ("Axolote Ciberseguridad", "AXOLOTE", "industry", "MEX", None),
    ("Huasteca Energía Inteligente", "HUASTECA", "industry", "SLP", None),
    ("Maguey Logística Predictiva", "MAGUEY", "industry", "JAL", None),
    ("Obsidiana Visión Artificial", "OBSIDIANA", "industry", "HID", None),
    ("Arrecife Datos Turísticos", "ARRECIFE", "industry", "ROO", None),
    ("Asociación de Fabricantes Automotrices de Coahuila", "AFAC", "industry", "COA", None),
    ("Cámara Minera y de Automatización de Zacatecas", "CMAZ", "industry", "ZAC", None),
    ("Solara Analítica Energética", "SOLARA", "industry", "SON", None),
    ("Jaguar Cómputo en la Nube", "JAGUAR", "industry", "TAB", None),
    ("Cámara de Comercio Mexicana en Texas", "CCMT", "industry", "abroad", "Estados Unidos"),
    ("Red de Emprendedores Tecnológicos de Veracruz", "RETV", "industry", "VER", None),
    ("Nopal Edtech", "NOPAL", "industry", "MOR", None),
    # Civil society
    ("Fundación Datos Abiertos para Todos", "FDAT", "civil_society", "CMX", None),
    ("Observatorio Ciudadano de Algoritmos", "OCA", "civil_society", "CMX", None),
    ("Red por los Derechos Digitales del Sureste", "REDDIS", "civil_society", "CHP", None),
    ("Colectivo Mujeres en Tecnología del Norte", "MUTENOR", "civil_society", "NLE", None),
    ("Inclusión Digital Rural, A.C.", "IDR", "civil_society", "OAX", None),
    ("Centro para la Privacidad y la Ética Tecnológica", "CEPET", "civil_society", "JAL", None),
    ("Fundación Jóvenes Programadores de Guerrero", "FJPG", "civil_society", "GRO", None),
    ("Laboratorio Cívico de Puebla", "LABCIP", "civil_society", "PUE", None),
    ("Iniciativa Transparencia Algorítmica", "ITA", "civil_society", "CMX", None),
    ("Red de Periodismo de Datos", "REDPD", "civil_society", "CMX", None),
    ("Fundación Lenguas Originarias y Tecnología", "FLOT", "civil_society", "OAX", None),
    ("Consejo Ciudadano para la Innovación de Yucatán", "CCIY", "civil_society", "YUC", None),
    ("Tecnología Accesible para Todas las Personas, A.C.", "TAPTP", "civil_society", "MEX", None),
    ("Colectivo Frontera Digital Tijuana", "CFDT", "civil_society", "BCN", None),
    ("Fundación Educación STEM Michoacán", "FESM", "civil_society", "MIC", None),
    ("Observatorio de Trabajo y Automatización", "OTA", "civil_society", "COA", None),
    ("Red de Salud Digital Comunitaria", "RSDC", "civil_society", "VER", None),
    ("Centro de Derechos Humanos y Tecnología del Bajío", "CDHTB", "civil_society", "GUA", None),
    ("Asociación de Migrantes Mexicanos en Tecnología", "AMMT", "civil_society", "abroad", "Estados Unidos"),
    ("Red de Talento Mexicano en Europa", "RTME", "civil_society", "abroad", "Alemania"),
    ("Fundación Ciudades Inteligentes y Humanas", "FCIH", "civil_society", "QUE", None),
    ("Colectivo Agua y Datos", "CAYD", "civil_society", "SON", None),
    ("Campeche Conectado, A.C.", "CAMCON", "civil_society", "CAM", None),
    ("Fundación Niñez y Entornos Digitales", "FNED", "civil_society", "CMX", None),
    ("Red de Bibliotecas Digitales Comunitarias", "RBDC", "civil_society", "HID", None),
    ("Colectivo Ciencia Ciudadana de Tamaulipas", "CCCT", "civil_society", "TAM", None),
    # Government
    ("Agencia Digital del Estado de Jalisco", "ADEJ", "government", "JAL", None),
    ("Secretaría de Innovación y Economía Digital de Nuevo León", "SIEDNL", "government", "NLE", None),
    ("Coordinación Estatal de Gobierno Digital de Puebla", "CEGDP", "government", "PUE", None),
    ("Instituto de Ciencia, Tecnología e Innovación de Guanajuato", "ICTIG", "government", "GUA", None),
    ("Consejo Estatal de Ciencia y Tecnología de Yucatán", "COECYTY", "government", "YUC", None),
    ("Agencia de Transformación Digital de la Ciudad de México", "ATDCM", "government", "CMX", None),
    ("Secretaría de Desarrollo Económico e Innovación de Querétaro", "SEDEIQ", "government", "QUE", None),
    ("Dirección de Gobierno Abierto de Oaxaca", "DGAO", "government", "OAX", None),
    ("Instituto Estatal de Transparencia y Datos de Sonora", "IETDS", "government", "SON", None),
    ("Coordinación de Innovación Gubernamental de Baja California", "CIGBC", "government", "BCN", None),
    ("Secretaría de Educación Digital de Hidalgo", "SEDH", "government", "HID", None),
    ("Consejo Mexiquense de Innovación", "COMEXI", "government", "MEX", None),
    ("Agencia Estatal de Ciberseguridad de Chihuahua", "AECCH", "government", "CHH", None),
    ("Instituto de Innovación de Morelos", "IIMOR", "government", "MOR", None),
    ("Secretaría de Modernización Administrativa de Veracruz", "SMAV", "government", "VER", None),
    ("Coordinación de Datos Públicos de Aguascalientes", "CDPA", "government", "AGU", None),
    ("Agencia de Desarrollo Tecnológico de San Luis Potosí", "ADTSLP", "government", "SLP", None),
    ("Secretaría de Turismo Inteligente de Quintana Roo", "SETIQR", "government", "ROO", None),
    ("Instituto Coahuilense de Innovación Pública", "ICIP", "government", "COA", None),
    ("Dirección de Salud Digital de Tabasco", "DSDT", "government", "TAB", None),
    ("Unidad de Gobierno Digital de Zacatecas", "UGDZ", "government", "ZAC", None),
    ("Consejo Sinaloense de Ciencia y Tecnología", "CSCYT", "government", "SIN", None),
    ("Oficina de Vinculación con la Diáspora Mexicana en Los Ángeles", "OVDM", "government", "abroad",
     "Estados Unidos"),
    # International cooperation
    ("Oficina de Cooperación Técnica Germano-Mexicana", "OCTGM", "international", "CMX", None),
    ("Programa Iberoamericano de Inteligencia Artificial", "PIIA", "international", "abroad", "España"),
    ("Alianza Global de Datos, Oficina para América Latina", "AGDAL", "international", "CMX", None),
    ("Agencia Franco-Mexicana de Cooperación Científica", "AFMCC", "international", "CMX", None),
    ("Fondo Nórdico para la Innovación en Latinoamérica", "FNIL", "international", "CMX", None),
    ("Consorcio Canadiense-Mexicano de Investigación en IA", "CCMIA", "international", "abroad", "Canadá"),
    ("Red Interamericana de Desarrollo Digital", "RIDD", "international", "CMX", None),
    ("Programa Mexicano-Británico de Ciencia Abierta", "PMBCA", "international", "abroad", "Reino Unido"),
    ("Iniciativa Unión Europea–México para la Economía Digital", "IUEMED", "international", "CMX", None),
    ("Centro Iberoamericano de Gobernanza Tecnológica", "CIGT", "international", "CMX", None),
    ("Oficina de Cooperación Japonesa para la Manufactura Inteligente", "OCJMI", "international", "GUA", None),
    ("Red Latinoamericana de Ética en Inteligencia Artificial", "RLEIA", "international", "CMX", None),
    ("Programa de las Américas para Habilidades Digitales", "PAHD", "international", "NLE", None),
    ("Oficina Coreano-Mexicana de Cooperación en Datos", "OCMCD", "international", "NLE", None),
)

# Members that stopped participating: listed, but no longer in any working group.
INACTIVE_INSTITUTIONS = ("HUASTECA", "CCCT", "UDS")

SECTOR_DESCRIPTIONS = {
    "academia": (
        "Institución de educación superior con sede en {place} que impulsa la investigación y la docencia en {topic}.",
        "Centro académico de {place} con grupos de investigación dedicados a {topic}.",
        "Universidad con presencia en {place}; forma profesionales y desarrolla proyectos sobre {topic}.",
    ),
    "industry": (
        "Organización empresarial de {place} que promueve la adopción de {topic} en su sector.",
        "Empresa tecnológica con base en {place} especializada en {topic}.",
        "Agrupa a empresas de {place} interesadas en {topic} y en la competitividad digital.",
    ),
    "civil_society": (
        "Organización de la sociedad civil con sede en {place} que trabaja por {topic}.",
        "Colectivo ciudadano de {place} dedicado a {topic}.",
        "Asociación civil que acompaña a comunidades de {place} en temas de {topic}.",
    ),
    "government": (
        "Dependencia pública de {place} responsable de {topic}.",
        "Organismo de gobierno de {place} que coordina políticas de {topic}.",
        "Entidad pública de {place} encargada de {topic}.",
    ),
    "international": (
        "Oficina de cooperación internacional con sede en {place} que apoya proyectos de {topic}.",
        "Programa de cooperación con presencia en {place} enfocado en {topic}.",
        "Organismo internacional que financia y acompaña iniciativas de {topic} desde {place}.",
    ),
}

SECTOR_TOPICS = {
    "academia": ("aprendizaje automático", "procesamiento de lenguaje natural", "visión por computadora",
                 "ciencia de datos aplicada", "ética y sociedad digital", "robótica y sistemas autónomos",
                 "cómputo de alto rendimiento"),
    "industry": ("inteligencia artificial para la manufactura", "servicios en la nube", "analítica de datos",
                 "ciberseguridad", "automatización de procesos", "tecnología financiera", "agricultura de precisión"),
    "civil_society": ("los derechos digitales", "la transparencia algorítmica", "la inclusión digital",
                      "la equidad de género en tecnología", "la protección de datos personales",
                      "la alfabetización digital", "las lenguas originarias en el entorno digital"),
    "government": ("la agenda de gobierno digital", "los datos abiertos y la transparencia",
                   "la innovación pública", "la ciencia y la tecnología estatal", "la ciberseguridad estatal",
                   "los servicios públicos digitales"),
    "international": ("transformación digital", "ciencia abierta", "gobernanza de la IA",
                      "habilidades digitales", "economía de datos"),
}

STATE_CAPITALS = {
    "AGU": "Aguascalientes, Ags.", "BCN": "Tijuana, B.C.", "BCS": "La Paz, B.C.S.", "CAM": "Campeche, Camp.",
    "CHP": "Tuxtla Gutiérrez, Chis.", "CHH": "Chihuahua, Chih.", "CMX": "Ciudad de México",
    "COA": "Saltillo, Coah.", "COL": "Colima, Col.", "DUR": "Durango, Dgo.", "GUA": "León, Gto.",
    "GRO": "Chilpancingo, Gro.", "HID": "Pachuca, Hgo.", "JAL": "Guadalajara, Jal.", "MEX": "Toluca, Méx.",
    "MIC": "Morelia, Mich.", "MOR": "Cuernavaca, Mor.", "NAY": "Tepic, Nay.", "NLE": "Monterrey, N.L.",
    "OAX": "Oaxaca de Juárez, Oax.", "PUE": "Puebla, Pue.", "QUE": "Querétaro, Qro.", "ROO": "Cancún, Q.R.",
    "SLP": "San Luis Potosí, S.L.P.", "SIN": "Culiacán, Sin.", "SON": "Hermosillo, Son.",
    "TAB": "Villahermosa, Tab.", "TAM": "Ciudad Victoria, Tamps.", "TLA": "Tlaxcala, Tlax.",
    "VER": "Xalapa, Ver.", "YUC": "Mérida, Yuc.", "ZAC": "Zacatecas, Zac.",
}

# Where people in a state (or abroad, by country) usually keep their clocks.
STATE_TIMEZONES = {
    "BCN": "America/Tijuana", "BCS": "America/Mazatlan", "SON": "America/Hermosillo",
    "SIN": "America/Mazatlan", "NAY": "America/Mazatlan", "CHH": "America/Chihuahua",
    "ROO": "America/Cancun",
}
COUNTRY_TIMEZONES = {
    "España": ("Europe/Madrid",),
    "Alemania": ("Europe/Berlin",),
    "Canadá": ("America/Toronto", "America/Vancouver"),
    "Reino Unido": ("Europe/London",),
    "Estados Unidos": ("America/Los_Angeles", "America/Chicago", "America/New_York"),
}

FEMALE_NAMES = (
    "María Fernanda", "Ana Sofía", "Valeria", "Ximena", "Daniela", "Guadalupe", "Mariana", "Regina",
    "Camila", "Fernanda", "Alejandra", "Gabriela", "Itzel", "Citlali", "Paola", "Lucía", "Andrea", "Rocío",
    "Verónica", "Adriana", "Claudia", "Patricia", "Leticia", "Diana", "Karla", "Montserrat", "Renata",
    "Natalia", "Elena", "Beatriz", "Yolanda", "Xóchitl", "Isabel", "Teresa", "Luz María", "Abril",
)
MALE_NAMES = (
    "José Luis", "Juan Carlos", "Luis Fernando", "Miguel Ángel", "Jorge", "Alejandro", "Ricardo", "Eduardo",
    "Francisco", "Javier", "Sergio", "Raúl", "Arturo", "Héctor", "Emiliano", "Santiago", "Diego", "Mateo",
    "Rodrigo", "Iván", "Óscar", "Rafael", "Roberto", "Fernando", "Gerardo", "Armando", "Cuauhtémoc",
    "Tonatiuh", "Ernesto", "Salvador", "Joaquín", "Andrés", "Pablo", "Manuel", "Enrique", "Gustavo",
)
SURNAMES = (
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez",
    "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz", "Gutiérrez",
    "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero", "Álvarez", "Méndez", "Chávez",
    "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera", "Medina", "Castro", "Vargas", "Guzmán",
    "Velázquez", "Muñoz", "Rojas", "Contreras", "Salazar", "Luna", "Ortega", "Cervantes", "Estrada",
    "Bautista", "Peña", "Tapia", "Olvera", "Zamora", "Ibarra", "Villanueva", "Ochoa", "Pineda", "Cisneros",
    "Escobar", "Quintero", "Nava", "Trejo", "Sandoval", "Mejía", "Ávila", "Carrillo", "Camacho",
    "Maldonado", "Navarro", "Solís", "Acosta", "Xicoténcatl", "Canul", "Pech", "Chi", "Ku", "Tzompa",
)

GROUP_DESCRIPTIONS = {
    "ethics": ("Principles, impact assessment and rights in the use of AI.",
               "Principios, evaluación de impacto y derechos en el uso de la IA."),
    "governance": ("AI in government, public procurement and public services.",
                   "La IA en el gobierno, las compras públicas y los servicios públicos."),
    "research": ("Research capacities, infrastructure and knowledge transfer.",
                 "Capacidades de investigación, infraestructura y transferencia de conocimiento."),
    "skills": ("Digital skills, education and the future of work.",
               "Habilidades digitales, educación y el futuro del trabajo."),
    "data": ("Open data, digital infrastructure and cyber security.",
             "Datos abiertos, infraestructura digital y ciberseguridad."),
    "abroad": ("The Mexican AI talent living abroad and its links with Mexico.",
               "El talento mexicano en IA que vive en el exterior y su vínculo con México."),
}

# How each group is made up: its lead institutions and the sector weights of its members.
# Some are deliberately lopsided so the balance dashboard has something to flag.
GROUP_PLANS = {
    "ethics": {"leads": ("CEPET", "INMAC"),
               "weights": {"academia": 3, "civil_society": 3, "industry": 2, "government": 2, "international": 1}},
    "governance": {"leads": ("ATDCM", "ADEJ"),
                   "weights": {"government": 6, "academia": 2, "civil_society": 2, "industry": 1,
                               "international": 1}},
    "research": {"leads": ("CICDN", "IEACJ"),
                 "weights": {"academia": 12, "industry": 1, "government": 1, "international": 1,
                             "civil_society": 0.5}},
    "skills": {"leads": ("UPB", "NOPAL"),
               "weights": {"academia": 3, "industry": 3, "civil_society": 2, "government": 2, "international": 0}},
    "data": {"leads": ("AMCD", "AXOLOTE"),
             "weights": {"industry": 6, "government": 2, "academia": 2, "international": 1, "civil_society": 0.3}},
    "abroad": {"leads": ("AMMT", "CMEM"),
               "weights": {"international": 3, "civil_society": 2, "academia": 2, "industry": 1, "government": 1},
               "abroad_bonus": 6},
}

# Share of a sector's people who attend a held meeting (before each person's own habit).
ATTENDANCE_RATES = {
    "academia": 0.82, "civil_society": 0.78, "government": 0.62, "industry": 0.55, "international": 0.45,
}

DELIVERABLES = {
    "ethics": (
        ("Principios éticos para el uso de IA en el sector público",
         "Propuesta de principios rectores para el diseño, la compra y la operación de sistemas de IA en "
         "dependencias públicas."),
        ("Guía de evaluación de impacto algorítmico",
         "Metodología y formatos para que las instituciones evalúen los riesgos de un sistema antes de "
         "desplegarlo."),
        ("Diagnóstico nacional sobre sesgos en sistemas de IA",
         "Estudio de casos documentados de sesgo en sistemas usados en México, con recomendaciones."),
        ("Recomendaciones para la protección de datos personales en IA",
         "Propuestas para armonizar el tratamiento de datos personales con el desarrollo de modelos."),
        ("Código de conducta para desarrolladores de IA",
         "Compromisos voluntarios para empresas y equipos que desarrollan soluciones de IA."),
        ("Informe de la Consulta Nacional sobre Ética de la IA",
         "Sistematización de las aportaciones de más de 1,500 participantes de todo el país."),
        ("Marco de transparencia y explicabilidad algorítmica",
         "Criterios mínimos para explicar a las personas cómo un sistema automatizado tomó una decisión."),
        ("Lineamientos para el uso de IA en procesos de contratación laboral",
         "Buenas prácticas para evitar la discriminación en la selección automatizada de personal."),
        ("Catálogo de casos de uso responsables en México",
         "Recopilación de proyectos nacionales que ilustran un uso responsable de la IA."),
        ("Programa piloto de comités de ética en universidades",
         "Acompañamiento a cinco universidades para instalar comités de ética en proyectos de IA."),
        ("Glosario bilingüe de ética de la IA",
         "Términos clave en español e inglés para homologar el lenguaje de la coalición."),
        ("Recomendaciones sobre IA generativa y derechos de autor",
         "Análisis del marco vigente y propuestas ante el uso de obras protegidas en el entrenamiento."),
        ("Guía de participación de pueblos indígenas en el diseño de IA",
         "Protocolo de consulta previa, libre e informada para proyectos que involucren a comunidades."),
        ("Recomendaciones sobre vigilancia biométrica en espacios públicos",
         "Posicionamiento del grupo sobre el reconocimiento facial y sus salvaguardas."),
    ),
    "governance": (
        ("Estrategia de IA para la administración pública federal",
         "Propuesta de objetivos, líneas de acción e indicadores para la adopción de IA en el gobierno."),
        ("Diagnóstico de capacidades digitales en gobiernos estatales",
         "Encuesta y análisis de las capacidades técnicas, normativas y presupuestales de las 32 entidades."),
        ("Guía de compras públicas de sistemas de IA",
         "Cláusulas modelo y criterios de evaluación para adquirir sistemas de IA con responsabilidad."),
        ("Recomendaciones para un marco regulatorio basado en riesgos",
         "Propuesta de clasificación de riesgos y obligaciones proporcionales para sistemas de IA."),
        ("Piloto de asistente virtual para trámites ciudadanos",
         "Prueba controlada de un asistente conversacional en dos ventanillas estatales."),
        ("Inventario nacional de algoritmos en uso gubernamental",
         "Registro público de los sistemas automatizados que usan las dependencias."),
        ("Lineamientos de gobernanza de datos para municipios",
         "Reglas básicas de calidad, resguardo y apertura de datos para gobiernos municipales."),
        ("Propuesta de observatorio legislativo de IA",
         "Diseño de un observatorio que dé seguimiento a las iniciativas de ley sobre IA."),
        ("Manual de interoperabilidad para servicios públicos digitales",
         "Estándares técnicos para que los sistemas de distintas dependencias intercambien información."),
        ("Evaluación de chatbots en atención ciudadana",
         "Análisis de la calidad, accesibilidad y satisfacción de los chatbots gubernamentales."),
        ("Hoja de ruta de IA para gobiernos locales",
         "Pasos prácticos para que un municipio identifique y priorice casos de uso."),
        ("Informe comparado de políticas de IA en América Latina",
         "Revisión de las estrategias nacionales de la región y lecciones para México."),
        ("Protocolo de supervisión humana de decisiones automatizadas",
         "Procedimientos para revisar y corregir decisiones administrativas tomadas con apoyo de IA."),
        ("Programa de formación en IA para servidores públicos",
         "Diseño de un programa de capacitación escalonado para personal de gobierno."),
    ),
    "research": (
        ("Mapa nacional de capacidades de investigación en IA",
         "Identificación de grupos, laboratorios y líneas de investigación en IA en el país."),
        ("Agenda nacional de investigación en IA 2030",
         "Prioridades de investigación consensuadas entre academia, industria y gobierno."),
        ("Propuesta de red nacional de supercómputo para IA",
         "Modelo de gobernanza y financiamiento para compartir infraestructura de cómputo."),
        ("Corpus abierto del español de México para modelos de lenguaje",
         "Recopilación, limpieza y licenciamiento de textos para entrenar modelos en español."),
        ("Programa de movilidad de investigadores en IA",
         "Esquema de estancias entre instituciones nacionales e internacionales."),
        ("Diagnóstico de transferencia tecnológica universidad-industria",
         "Análisis de barreras y casos de éxito en la transferencia de resultados de investigación."),
        ("Convocatoria piloto de proyectos de IA para la salud",
         "Bases, comité evaluador y seguimiento de una convocatoria con hospitales públicos."),
        ("Conjunto de datos abiertos de referencia para agricultura",
         "Datos etiquetados de cultivos mexicanos para investigación en visión por computadora."),
        ("Recomendaciones de ciencia abierta para proyectos de IA",
         "Prácticas de publicación de código, datos y modelos para proyectos financiados con recursos públicos."),
        ("Informe de indicadores de producción científica en IA",
         "Bibliometría de la producción mexicana en IA de los últimos diez años."),
        ("Laboratorio nacional de procesamiento de lenguas indígenas",
         "Propuesta de un laboratorio colaborativo para herramientas en lenguas originarias."),
        ("Guía de buenas prácticas para la reproducibilidad de modelos",
         "Lista de verificación para documentar experimentos y resultados reproducibles."),
        ("Catálogo de infraestructura de investigación compartible",
         "Inventario de equipos, laboratorios y clústeres disponibles para uso interinstitucional."),
        ("Propuesta de doctorado interinstitucional en IA",
         "Diseño curricular y convenio marco para un programa doctoral entre varias universidades."),
    ),
    "skills": (
        ("Marco nacional de competencias digitales y de IA",
         "Niveles de competencia y resultados de aprendizaje para la población en general."),
        ("Programa piloto de alfabetización en IA para docentes de secundaria",
         "Curso en línea y acompañamiento para 500 docentes de cinco estados."),
        ("Diagnóstico de brechas de talento en IA en la industria",
         "Encuesta a empresas sobre los perfiles que buscan y no encuentran."),
        ("Currículo modelo de licenciatura en ciencia de datos",
         "Plan de estudios de referencia para instituciones de educación superior."),
        ("Guía de recualificación para trabajadores ante la automatización",
         "Rutas de formación para ocupaciones con alta exposición a la automatización."),
        ("Campaña nacional «IA para todas las personas»",
         "Materiales de divulgación en español y lenguas originarias sobre qué es y qué no es la IA."),
        ("Programa de becas para mujeres en IA",
         "Diseño, financiamiento y selección de una primera generación de becarias."),
        ("Catálogo de cursos abiertos en español sobre IA",
         "Selección curada de cursos gratuitos, con nivel, duración y requisitos."),
        ("Recomendaciones para la educación técnica dual en IA",
         "Modelo de formación dual entre bachilleratos técnicos y empresas."),
        ("Estudio de impacto de la IA en el empleo en México",
         "Estimación de la exposición de las ocupaciones mexicanas a la IA generativa."),
        ("Bootcamps regionales de aprendizaje automático",
         "Serie de cursos intensivos en cuatro regiones del país."),
        ("Red de clubes de IA en bachilleratos",
         "Guía para crear clubes escolares y un encuentro nacional anual."),
        ("Guía para el uso de IA generativa en el aula",
         "Recomendaciones para docentes sobre usos, límites y evaluación con herramientas generativas."),
        ("Certificación de competencias en ciencia de datos",
         "Propuesta de estándar de competencia y proceso de evaluación."),
    ),
    "data": (
        ("Política nacional de datos abiertos para IA",
         "Principios y prioridades para abrir datos públicos útiles para el desarrollo de IA."),
        ("Diagnóstico de infraestructura de centros de datos en México",
         "Capacidad instalada, consumo energético y proyectos de expansión."),
        ("Guía de ciberseguridad para sistemas de aprendizaje automático",
         "Amenazas específicas a modelos y controles recomendados."),
        ("Estándar de anonimización de datos personales",
         "Técnicas y umbrales de riesgo de reidentificación para publicar datos."),
        ("Propuesta de espacios de datos sectoriales",
         "Modelo de gobernanza para compartir datos entre empresas de un mismo sector."),
        ("Piloto de nube soberana para investigación",
         "Prueba de concepto de una nube académica operada en territorio nacional."),
        ("Recomendaciones de conectividad para regiones rurales",
         "Propuestas para cerrar la brecha de conectividad como condición para adoptar IA."),
        ("Protocolo de respuesta a incidentes en sistemas de IA",
         "Procedimiento de notificación y atención de fallas o ataques a sistemas de IA."),
        ("Catálogo nacional de conjuntos de datos de alto valor",
         "Identificación y priorización de los conjuntos de datos con mayor potencial."),
        ("Lineamientos de calidad de datos para entrenamiento de modelos",
         "Criterios de documentación, representatividad y calidad de los datos de entrenamiento."),
        ("Evaluación de riesgos de la cadena de suministro digital",
         "Análisis de dependencias tecnológicas críticas y medidas de mitigación."),
        ("Informe sobre soberanía y flujos transfronterizos de datos",
         "Panorama normativo y recomendaciones para acuerdos comerciales."),
        ("Guía de gobierno de datos para pequeñas empresas",
         "Prácticas básicas de gestión y protección de datos para pymes."),
        ("Simulacro nacional de ciberseguridad",
         "Diseño y ejecución de un ejercicio coordinado con operadores de infraestructura crítica."),
    ),
    "abroad": (
        ("Directorio de talento mexicano en IA en el exterior",
         "Registro voluntario de profesionales e investigadores mexicanos en otros países."),
        ("Programa de mentorías de la diáspora para estudiantes mexicanos",
         "Vinculación de estudiantes con mentores mexicanos que trabajan en IA fuera del país."),
        ("Diagnóstico de la migración de talento en ciencias de la computación",
         "Causas, destinos y trayectorias de quienes emigran para trabajar en IA."),
        ("Red de nodos de la diáspora en Estados Unidos, Canadá y Europa",
         "Estructura de nodos regionales con enlaces y agenda de actividades."),
        ("Propuesta de incentivos para el retorno de investigadores",
         "Instrumentos de financiamiento y plazas para facilitar el retorno."),
        ("Ciclo de webinarios «Mexicanos en la frontera de la IA»",
         "Serie mensual de charlas de investigadores de la diáspora."),
        ("Guía de colaboración binacional en proyectos de IA",
         "Aspectos legales, de propiedad intelectual y de financiamiento de proyectos binacionales."),
        ("Encuesta a profesionales mexicanos de IA en el extranjero",
         "Levantamiento sobre perfiles, intereses de colaboración y condiciones de retorno."),
        ("Programa de estancias cortas de investigadores de la diáspora",
         "Visitas de una a cuatro semanas a universidades y centros mexicanos."),
        ("Catálogo de oportunidades de financiamiento internacional",
         "Convocatorias abiertas a proyectos con participación mexicana."),
        ("Recomendaciones para la vinculación consular con la comunidad tecnológica",
         "Propuestas a la red consular para acercarse a la comunidad tecnológica mexicana."),
        ("Informe de buenas prácticas de diásporas científicas",
         "Experiencias de otros países que vinculan a su diáspora científica con el desarrollo nacional."),
        ("Semana de la IA mexicana en el exterior",
         "Organización de un encuentro simultáneo en varias ciudades con comunidades mexicanas."),
        ("Plataforma de vinculación diáspora-empresas",
         "Diseño de una plataforma para conectar talento en el exterior con empresas mexicanas."),
    ),
}

MILESTONES = (
    "Definición del alcance", "Revisión de literatura", "Levantamiento de información",
    "Talleres con actores clave", "Primer borrador", "Consulta pública", "Revisión de pares",
    "Versión final", "Presentación en plenaria", "Publicación",
)

# Notes of deliverable updates, by the kind of change they record.
NOTES = {
    "plan": (
        "Se asignó responsable y fecha compromiso.",
        "Se está definiendo el alcance con las instituciones participantes.",
        "Pendiente la reunión de arranque con {inst}.",
        "Se solicitaron insumos a los miembros del grupo.",
        "Se elaboró una primera propuesta de índice.",
    ),
    "start": (
        "Arrancamos los trabajos: se acordaron el alcance y el calendario.",
        "Se integró el equipo de trabajo con personas de {inst}.",
        "Primera reunión del equipo redactor; se repartieron los capítulos.",
        "Inicia el levantamiento de información.",
    ),
    "progress": (
        "Se concluyó la revisión de literatura.",
        "Avance en el borrador del capítulo {n}.",
        "Se incorporaron los comentarios de {inst}.",
        "Se realizaron {n} entrevistas con actores clave.",
        "Se sistematizaron las respuestas de la consulta en {state}.",
        "Se actualizó la matriz de riesgos.",
        "Taller de validación con {m} participantes.",
        "Se integraron los datos del levantamiento en {state}.",
        "Se ajustó la estructura del documento tras la sesión del grupo.",
        "Se completaron las fichas de {m} casos de estudio.",
    ),
    "block": (
        "En pausa: esperamos la firma del convenio de colaboración.",
        "Bloqueado: falta acceso a los datos solicitados a {inst}.",
        "Sin avance por falta de presupuesto para el levantamiento.",
        "Esperamos la validación jurídica antes de continuar.",
    ),
    "unblock": (
        "Se resolvió el bloqueo; retomamos los trabajos.",
        "Llegó la información pendiente de {inst}; se reanuda el trabajo.",
    ),
    "review": (
        "Documento enviado a revisión de pares.",
        "Versión final en revisión por las instituciones líderes.",
        "En revisión editorial y de estilo.",
        "Se circuló el borrador para comentarios del grupo.",
    ),
    "done": (
        "Versión final aprobada por el grupo y publicada.",
        "Entregable concluido y presentado en la sesión plenaria.",
        "Se publicó el documento en el repositorio de la coalición.",
    ),
}

MEETING_PLACES = (
    "Sala de juntas de {acronym}, {city}",
    "Auditorio de {acronym}, {city}",
    "Sala de usos múltiples de {acronym}, {city}",
)

AGENDA_ITEMS = (
    "Seguimiento de acuerdos de la sesión anterior",
    "Presentación de avances: *{title}*",
    "Revisión del calendario de entregables",
    "Discusión del borrador de *{title}*",
    "Propuestas de nuevas instituciones integrantes",
    "Preparación de la sesión plenaria de la coalición",
    "Resultados de la consulta nacional",
    "Balance de la participación por sector",
)

DECISIONS = (
    "Se aprueba el índice del documento «{title}».",
    "Se acuerda ampliar la consulta a organizaciones de {state}.",
    "Se aprueba el calendario de trabajo del siguiente trimestre.",
    "Se acuerda invitar a {inst} a colaborar en «{title}».",
    "Se aprueba enviar «{title}» a revisión de pares.",
    "Se acuerda sesionar en modalidad híbrida a partir de la próxima reunión.",
    "Se acuerda priorizar «{title}» en el siguiente periodo.",
)

ACTION_ITEMS = (
    "Enviar comentarios al borrador de «{title}».",
    "Circular la minuta entre las personas integrantes del grupo.",
    "Preparar la presentación de avances para la plenaria.",
    "Contactar a {inst} para solicitar información.",
    "Actualizar el estado de los entregables en la plataforma.",
    "Proponer fechas para el taller de validación.",
)

MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
             "octubre", "noviembre", "diciembre")

# -- the public portal -------------------------------------------------------------------------

# The deliverables each group has published on the portal, by position among its first ten (each
# position has a fixed profile in seed.GUARANTEED_PROFILES: done, in review, on track, not started),
# so every OGP completion level shows up. Their public summary is the description in Spanish and
# this one in English, keyed by title; these titles are put at those positions.
PUBLIC_POSITIONS = (0, 2, 3, 8)
# Positions whose public deliverable always has milestones (the portal shows them as a timeline).
PUBLIC_WITH_MILESTONES = (2,)
PUBLIC_SUMMARIES_EN = {
    "Principios éticos para el uso de IA en el sector público":
        "Guiding principles for the design, purchase and operation of AI systems in public agencies.",
    "Guía de evaluación de impacto algorítmico":
        "A method and forms for institutions to assess a system's risks before deploying it.",
    "Diagnóstico nacional sobre sesgos en sistemas de IA":
        "A study of documented cases of bias in systems used in Mexico, with recommendations.",
    "Recomendaciones para la protección de datos personales en IA":
        "Proposals to reconcile the handling of personal data with the development of models.",
    "Estrategia de IA para la administración pública federal":
        "Objectives, lines of action and indicators for the federal government's adoption of AI.",
    "Diagnóstico de capacidades digitales en gobiernos estatales":
        "A survey and analysis of the technical, legal and budget capacities of the 32 states.",
    "Guía de compras públicas de sistemas de IA":
        "Model clauses and evaluation criteria for buying AI systems responsibly.",
    "Recomendaciones para un marco regulatorio basado en riesgos":
        "A proposed classification of risks with proportionate obligations for AI systems.",
    "Mapa nacional de capacidades de investigación en IA":
        "The country's AI research groups, laboratories and lines of research, mapped.",
    "Agenda nacional de investigación en IA 2030":
        "Research priorities agreed by academia, industry and government.",
    "Propuesta de red nacional de supercómputo para IA":
        "A governance and funding model for sharing computing infrastructure.",
    "Corpus abierto del español de México para modelos de lenguaje":
        "Collecting, cleaning and licensing Mexican Spanish texts to train language models.",
    "Marco nacional de competencias digitales y de IA":
        "Competence levels and learning outcomes in digital skills and AI for everyone.",
    "Programa piloto de alfabetización en IA para docentes de secundaria":
        "An online course with mentoring for 500 secondary school teachers in five states.",
    "Diagnóstico de brechas de talento en IA en la industria":
        "A survey of companies on the profiles they look for and cannot find.",
    "Currículo modelo de licenciatura en ciencia de datos":
        "A reference curriculum for data science degrees in higher education.",
    "Política nacional de datos abiertos para IA":
        "Principles and priorities for opening the public data that AI development needs.",
    "Diagnóstico de infraestructura de centros de datos en México":
        "Installed capacity, energy use and expansion plans of the country's data centres.",
    "Guía de ciberseguridad para sistemas de aprendizaje automático":
        "The threats specific to machine learning models and the controls that answer them.",
    "Estándar de anonimización de datos personales":
        "Techniques and re-identification risk thresholds for publishing data.",
    "Directorio de talento mexicano en IA en el exterior":
        "A voluntary register of Mexican AI professionals and researchers abroad.",
    "Programa de mentorías de la diáspora para estudiantes mexicanos":
        "Students matched with Mexican mentors who work in AI outside the country.",
    "Diagnóstico de la migración de talento en ciencias de la computación":
        "Why computer scientists emigrate to work in AI, where they go and what they do.",
    "Red de nodos de la diáspora en Estados Unidos, Canadá y Europa":
        "Regional diaspora hubs with liaisons and a shared calendar of activities.",
}
# A coordinator's completion override, with the note the portal shows: (group, position) → (level, note).
COMPLETION_OVERRIDES = {
    ("data", 0): ("substantial",
                  "El documento está terminado, pero solo tres de las ocho dependencias previstas lo han adoptado."),
    ("governance", 3): ("limited",
                        "El avance registrado incluye borradores que la Consejería Jurídica pidió rehacer."),
}
# Institutions that have not (yet) agreed to appear on the public portal: every LISTING_EVERY-th one,
# besides the inactive ones.
LISTING_EVERY = 5
