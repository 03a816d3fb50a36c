"""The fixed text of the codebook document (`hoggar.incidents.codebook_doc`) in Arabic,
French and English: headings, coding rules, and the names of the fields' kinds of value.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "generated": {
        "en": "Version {version}. Generated from `src/hoggar/incidents/data/codebook.json` by "
        "`python -m hoggar.incidents.codebook_doc --lang {lang}`: edit the data file, "
        "not this page.",
        "fr": "Version {version}. Page générée à partir de "
        "`src/hoggar/incidents/data/codebook.json` par "
        "`python -m hoggar.incidents.codebook_doc --lang {lang}` : modifier le fichier de "
        "données, pas cette page.",
        "ar": "الإصدار {version}. أُنشئت هذه الصفحة آلياً من الملف "
        "`src/hoggar/incidents/data/codebook.json` بالأمر "
        "`python -m hoggar.incidents.codebook_doc --lang {lang}`: يُعدَّل ملف البيانات "
        "لا هذه الصفحة.",
    },
    "other_languages": {"en": "Other languages", "fr": "Autres langues", "ar": "لغات أخرى"},
    "how_to": {
        "en": "How to code an incident",
        "fr": "Comment coder un incident",
        "ar": "كيفية ترميز حادث",
    },
    "rule_one_type": {
        "en": "Each incident has exactly one event type and one sub-type of that type "
        "(`event_type`, `sub_type`). When an event fits two sub-types, choose the more "
        "violent one and mention the other in the narrative.",
        "fr": "Chaque incident a exactement un type d'événement et un sous-type de ce type "
        "(`event_type`, `sub_type`). Si un événement relève de deux sous-types, choisir le "
        "plus violent et mentionner l'autre dans le récit.",
        "ar": "لكل حادث نوع حدث واحد فقط ونوع فرعي واحد من ذلك النوع "
        "(`event_type`، `sub_type`). إذا انطبق على الحدث نوعان فرعيان، يُختار الأشد عنفاً "
        "ويُذكر الآخر في السرد.",
    },
    "rule_common": {
        "en": "Fields every incident needs:",
        "fr": "Champs exigés pour tout incident :",
        "ar": "الحقول المطلوبة لكل حادث:",
    },
    "rule_required": {
        "en": "Some event types and sub-types require further fields (listed below). A count "
        "of 0 means that the source reports none; leave an optional count out when the "
        "source says nothing about it.",
        "fr": "Certains types et sous-types exigent d'autres champs (indiqués plus bas). Un "
        "nombre égal à 0 signifie que la source n'en signale aucun ; omettre un nombre "
        "facultatif quand la source n'en dit rien.",
        "ar": "تتطلب بعض الأنواع والأنواع الفرعية حقولاً إضافية (مبينة أدناه). العدد 0 يعني "
        "أن المصدر لا يذكر أي حالة؛ ويُترك العدد الاختياري فارغاً إذا لم يذكر المصدر شيئاً "
        "عنه.",
    },
    "rule_precision": {
        "en": "Record how precisely time and place are known (time precision, geo precision) "
        "instead of guessing a day or a point: the period from `start_time` to `end_time` "
        "is as wide as the time precision says.",
        "fr": "Noter la précision avec laquelle le moment et le lieu sont connus (précision "
        "temporelle, précision géographique) au lieu de deviner un jour ou un point : la "
        "période de `start_time` à `end_time` est aussi large que l'indique la précision "
        "temporelle.",
        "ar": "تُسجَّل درجة دقة معرفة الزمان والمكان (الدقة الزمنية والدقة الجغرافية) بدلاً "
        "من تخمين يوم أو نقطة: تمتد الفترة من `start_time` إلى `end_time` بقدر ما تشير "
        "إليه الدقة الزمنية.",
    },
    "rule_check": {
        "en": "`hoggar.incidents.check_incident_extension` checks an incident extension "
        "against this codebook (event type, sub-type, required fields, end not before "
        "start, civilians killed not above killed, seized items and units).",
        "fr": "`hoggar.incidents.check_incident_extension` vérifie une extension d'incident "
        "au regard de ce codebook (type, sous-type, champs exigés, fin non antérieure au "
        "début, civils tués pas plus nombreux que les tués, objets saisis et unités).",
        "ar": "تتحقق الدالة `hoggar.incidents.check_incident_extension` من مطابقة امتداد "
        "الحادث لهذا الدليل (نوع الحدث، النوع الفرعي، الحقول المطلوبة، عدم سبق النهاية "
        "للبداية، عدم تجاوز القتلى المدنيين لإجمالي القتلى، المحجوزات ووحداتها).",
    },
    "overview": {"en": "Overview", "fr": "Vue d'ensemble", "ar": "نظرة عامة"},
    "event_type": {"en": "Event type", "fr": "Type d'événement", "ar": "نوع الحدث"},
    "event_types": {"en": "Event types", "fr": "Types d'événements", "ar": "أنواع الأحداث"},
    "sub_types": {"en": "Sub-types", "fr": "Sous-types", "ar": "الأنواع الفرعية"},
    "acled": {"en": "ACLED equivalent", "fr": "Équivalent ACLED", "ar": "المقابل في ACLED"},
    "hoggar_addition": {
        "en": "none (Hoggar addition)",
        "fr": "aucun (ajout de Hoggar)",
        "ar": "لا يوجد (إضافة من Hoggar)",
    },
    "none": {"en": "none", "fr": "aucun", "ar": "لا يوجد"},
    "time_guidance": {
        "en": "Time precision",
        "fr": "Précision temporelle",
        "ar": "الدقة الزمنية",
    },
    "default_precision": {
        "en": "Usual time precision",
        "fr": "Précision temporelle habituelle",
        "ar": "الدقة الزمنية المعتادة",
    },
    "required": {"en": "Required fields", "fr": "Champs exigés", "ar": "الحقول المطلوبة"},
    "required_extra": {
        "en": "besides those of every incident",
        "fr": "en plus de ceux de tout incident",
        "ar": "إضافة إلى حقول كل حادث",
    },
    "optional": {
        "en": "Also worth recording",
        "fr": "À noter aussi",
        "ar": "حقول أخرى مفيدة",
    },
    "example": {"en": "Example", "fr": "Exemple", "ar": "مثال"},
    "examples": {"en": "Examples", "fr": "Exemples", "ar": "أمثلة"},
    "fields": {
        "en": "Fields of the incident extension",
        "fr": "Champs de l'extension d'incident",
        "ar": "حقول امتداد الحادث",
    },
    "field": {"en": "Field", "fr": "Champ", "ar": "الحقل"},
    "name": {"en": "Name", "fr": "Nom", "ar": "الاسم"},
    "type": {"en": "Type", "fr": "Type", "ar": "النوع"},
    "definition": {"en": "Definition", "fr": "Définition", "ar": "التعريف"},
    "time_precisions": {
        "en": "Time precision levels",
        "fr": "Niveaux de précision temporelle",
        "ar": "مستويات الدقة الزمنية",
    },
    "geo_precisions": {
        "en": "Geo precision levels",
        "fr": "Niveaux de précision géographique",
        "ar": "مستويات الدقة الجغرافية",
    },
    "level": {"en": "Level", "fr": "Niveau", "ar": "المستوى"},
    "acled_level": {"en": "ACLED level", "fr": "Niveau ACLED", "ar": "مستوى ACLED"},
    "grading": {
        "en": "Source and information grading",
        "fr": "Cotation de la source et de l'information",
        "ar": "تنقيط المصدر والمعلومة",
    },
    "grading_intro": {
        "en": "Grade the source and the information separately: a reliable source can pass "
        "on doubtful information. `F` and `6` mean that no judgement is possible.",
        "fr": "Coter séparément la source et l'information : une source fiable peut "
        "transmettre une information douteuse. `F` et `6` signifient qu'aucune appréciation "
        "n'est possible.",
        "ar": "يُنقَّط المصدر والمعلومة كل على حدة: فقد ينقل مصدر موثوق معلومة مشكوكاً فيها. "
        "ويعني `F` و`6` تعذّر إصدار أي حكم.",
    },
    "grade": {"en": "Grade", "fr": "Cote", "ar": "الدرجة"},
    "meaning": {"en": "Meaning", "fr": "Signification", "ar": "المعنى"},
    "seized": {"en": "Seized items", "fr": "Objets saisis", "ar": "المحجوزات"},
    "seized_intro": {
        "en": "Each entry of `seized` is `{item, quantity, unit}`. Record the item under one "
        "of the names below when it fits, so that seizures add up across reports; the unit "
        "must be one the item's kind is counted in.",
        "fr": "Chaque entrée de `seized` est `{item, quantity, unit}`. Noter l'objet sous "
        "l'un des noms ci-dessous quand il convient, pour que les saisies s'additionnent "
        "d'un rapport à l'autre ; l'unité doit être l'une de celles de sa catégorie.",
        "ar": "كل عنصر في `seized` هو `{item, quantity, unit}`. تُسجَّل المادة بأحد الأسماء "
        "أدناه متى انطبق عليها، حتى تُجمع المحجوزات عبر التقارير؛ ويجب أن تكون الوحدة من "
        "وحدات فئة المادة.",
    },
    "kind": {"en": "Kind", "fr": "Catégorie", "ar": "الفئة"},
    "units": {"en": "Units", "fr": "Unités", "ar": "الوحدات"},
    "item_names": {
        "en": "Item names (`item`)",
        "fr": "Noms d'objets (`item`)",
        "ar": "أسماء المواد (`item`)",
    },
    "unit": {"en": "Unit", "fr": "Unité", "ar": "الوحدة"},
    "source": {"en": "Source", "fr": "Source", "ar": "المصدر"},
}

FIELD_TYPES: dict[str, dict[str, str]] = {
    "code": {"en": "code", "fr": "code", "ar": "رمز"},
    "string": {"en": "text", "fr": "texte", "ar": "نص"},
    "timestamp": {
        "en": "STIX timestamp (UTC)",
        "fr": "horodatage STIX (UTC)",
        "ar": "طابع زمني STIX (UTC)",
    },
    "number": {"en": "number", "fr": "nombre", "ar": "عدد"},
    "integer": {"en": "integer ≥ 0", "fr": "entier ≥ 0", "ar": "عدد صحيح ≥ 0"},
    "grade": {"en": "integer from 1 to 6", "fr": "entier de 1 à 6", "ar": "عدد صحيح من 1 إلى 6"},
    "identifiers": {
        "en": "list of STIX identifiers",
        "fr": "liste d'identifiants STIX",
        "ar": "قائمة معرفات STIX",
    },
    "seized-list": {
        "en": "list of {item, quantity, unit}",
        "fr": "liste de {item, quantity, unit}",
        "ar": "قائمة من {item, quantity, unit}",
    },
}
