"""German catalogues: Django merges every app's catalogue into one, so a msgid translated two ways in two
apps is shown one way everywhere (the first app's), whatever each app meant. Words that mean different
things in different places need a context (``pgettext``, ``{% translate "..." context "..." %}``)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = re.compile(r'^(?:msgctxt "(?P<ctx>.*)"\n)?msgid "(?P<id>.*)"\nmsgstr "(?P<str>.*)"$', re.M)

# Homonyms without a context: none. A new word translated two ways needs a context, not a place here.
KNOWN: set[str] = set()


def translations() -> dict[tuple[str, str], dict[str, str]]:
    found: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for po in sorted(ROOT.glob("emerald/*/locale/de/LC_MESSAGES/django.po")):
        app = po.parts[-5]
        for m in ENTRY.finditer(po.read_text(encoding="utf-8")):
            if m["id"] and m["str"]:
                found[(m["ctx"] or "", m["id"])][app] = m["str"]
    return found


def test_each_word_has_one_german_translation():
    conflicts = {f"{ctx}|{msgid}" if ctx else msgid: apps for (ctx, msgid), apps in translations().items()
                 if len(set(apps.values())) > 1 and msgid not in KNOWN}
    assert not conflicts, conflicts
