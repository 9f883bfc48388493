"""Templates show people only through the visibility layer (``{% person %}`` and friends).

A template that printed ``x.person.full_name`` or linked ``x.inmate_number`` would show a sealed person to
a reader who may not know them. The canary crawl (test_canary_crawl.py) catches that on the pages it reaches;
this test catches it in every template, reached or not. The one exception is the page's own subject,
``person``: a view renders it only after the visibility layer let the reader open that person's record
(``person_get`` / ``person_open_record`` answer 404 otherwise).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "emerald"
FIELD = re.compile(r"([a-z_][a-z0-9_.]*)\.(full_name|first_name|last_name|inmate_number)\b")
#: Pages whose ``person`` is the person whose record the reader opened (so may know).
SUBJECT = "person"
#: Medical staff's own pages about one person's record, whose view checked the record first.
ALLOWED = {
    ("health/list.html", "e.person"), ("health/encounter.html", "encounter.person"),
    ("health/break_glass_log.html", "a.person"),
}


def test_no_template_prints_a_person_without_the_layer():
    problems = []
    for path in ROOT.glob("*/templates/**/*.html"):
        rel = path.relative_to(ROOT).as_posix()
        area_rel = "/".join(path.relative_to(ROOT).parts[2:])  # e.g. health/list.html
        for n, line in enumerate(path.read_text().splitlines(), 1):
            for m in FIELD.finditer(line):
                owner = m.group(1)
                if owner == SUBJECT:
                    continue
                if (area_rel, owner) in ALLOWED and "{% url" in line and "as record" in line:
                    continue  # a URL kept in a variable, printed by {% person ... url=record %} only if visible
                problems.append(f"{rel}:{n}: {m.group(0)}")
    assert not problems, ("templates must show people through {% person %}, {% person_name %} or "
                          "{% person_number %} (emerald/people/templatetags/people_tags.py):\n" + "\n".join(problems))


def test_no_template_prints_a_person_object_directly():
    """``{{ x.person }}`` renders Person.__str__, "Name (number)", for everyone."""
    bare = re.compile(r"\{\{\s*[a-z_][a-z0-9_.]*\.(person|person_a|person_b|victim|other|leader|new_leader)\s*(\||\}\})")
    problems = [f"{p.relative_to(ROOT)}:{n}: {m.group(0)}"
                for p in ROOT.glob("*/templates/**/*.html")
                for n, line in enumerate(p.read_text().splitlines(), 1)
                for m in bare.finditer(line)]
    assert not problems, "\n".join(problems)
