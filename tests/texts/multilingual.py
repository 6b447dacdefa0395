# ruff: noqa: RUF001
"""A short declaration written for the tests in the six official languages.

English is the original: two preambular paragraphs without numbers, Article 1 (two
paragraphs), Article 2, Article 2 bis. The other language versions follow it, each with
its own way of writing headings; the Russian one splits a paragraph of Article 1 and the
Chinese one lacks Article 2 bis, so that the alignment has differences to report.
"""

from __future__ import annotations

EN = """Draft declaration on solidarity

The States,

Recalling the Charter of the United Nations,

Recognizing that solidarity is a value of the international community,

Article 1
Right to solidarity

1. Everyone has the right to international solidarity.

2. States shall cooperate to realize this right.

Article 2

States shall report on the measures taken.

Article 2 bis

The present declaration shall be reviewed.
"""

FR = """Projet de déclaration sur la solidarité

Les États,

Rappelant la Charte des Nations Unies,

Reconnaissant que la solidarité est une valeur de la communauté internationale,

Article premier
Droit à la solidarité

1. Toute personne a droit à la solidarité internationale.

2. Les États coopèrent pour réaliser ce droit.

Article 2

Les États rendent compte des mesures prises.

Article 2 bis

La présente déclaration fait l'objet d'un examen.
"""

ES = """Proyecto de declaración sobre la solidaridad

Los Estados,

Recordando la Carta de las Naciones Unidas,

Reconociendo que la solidaridad es un valor de la comunidad internacional,

Artículo 1
Derecho a la solidaridad

1. Toda persona tiene derecho a la solidaridad internacional.

2. Los Estados cooperarán para hacer efectivo este derecho.

Artículo 2

Los Estados informarán sobre las medidas adoptadas.

Artículo 2 bis

La presente declaración será objeto de examen.
"""

RU = """Проект декларации о солидарности

Государства,

Ссылаясь на Устав Организации Объединенных Наций,

Признавая, что солидарность является ценностью международного сообщества,

Статья 1
Право на солидарность

1. Каждый человек имеет право на международную солидарность.

2. Государства сотрудничают.

3. Государства сотрудничают в целях осуществления этого права.

Статья 2

Государства представляют доклады о принятых мерах.

Статья 2-бис

Настоящая декларация подлежит обзору.
"""

AR = """مشروع إعلان بشأن التضامن

إن الدول،

إذ تشير إلى ميثاق الأمم المتحدة،

وإذ تعترف بأن التضامن قيمة من قيم المجتمع الدولي،

المادة 1
الحق في التضامن

1. لكل فرد الحق في التضامن الدولي.

2. تتعاون الدول من أجل إعمال هذا الحق.

المادة ٢

تقدم الدول تقارير عن التدابير المتخذة.

المادة 2 مكرراً

يخضع هذا الإعلان للاستعراض.
"""

ZH = """关于团结的宣言草案

各国，

回顾《联合国宪章》，

认识到团结是国际社会的一项价值，

第一条
团结权

1. 人人有权享有国际团结。

2. 各国应开展合作以实现这项权利。

第2条

各国应报告所采取的措施。
"""

TEXTS = {"en": EN, "fr": FR, "es": ES, "ru": RU, "ar": AR, "zh": ZH}
