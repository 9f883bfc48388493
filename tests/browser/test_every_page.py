"""Every page, for every role, at phone width: no serious or critical axe-core violation, no sideways scroll.

The pages are found by crawling: from the dashboard, each role follows every internal link it is shown.
A URL "shape" (numbers and inmate numbers replaced) is scanned once, by the first role that reaches it,
so new pages are covered without editing this test.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import PHONE, axe_violations, login, overflows_horizontally

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["admin", "glynn", "mcmanus", "metzger", "nathan", "teacher", "investigator", "auditor"]
SKIP = re.compile(r"^/(api/|static/|i18n/|accounts/logout|admin/)|\.csv(\?|$)|/export|[?&](format|export)=")
MAX_PAGES_PER_ROLE = 40


def shape(path: str) -> str:
    path = re.sub(r"\d{2}[A-Z]\d{4}", "<person>", path)
    return re.sub(r"\d+", "<n>", path)


def test_every_page_is_accessible_at_phone_width(story, open_page):
    problems: dict[str, list] = {}
    seen: set[str] = set()
    scanned = 0
    for username in ROLES:
        page = open_page(PHONE)
        login(page, username)
        queue, visited = ["/"], 0
        while queue and visited < MAX_PAGES_PER_ROLE:
            path = queue.pop(0)
            if shape(path) in seen:
                continue
            seen.add(shape(path))
            try:
                response = page.goto(path)
            except Exception as exc:  # a file download is not a page
                if "Download is starting" in str(exc):
                    continue
                raise
            if response is None or response.status != 200 or "text/html" not in response.headers.get(
                    "content-type", ""):
                continue
            visited += 1
            scanned += 1
            found = axe_violations(page)
            if overflows_horizontally(page):
                found.append({"id": "horizontal-scroll", "help": "the page scrolls sideways at 390 px"})
            if found:
                problems[f"{username} {path}"] = found
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                parts = urlsplit(href)
                if parts.netloc or not parts.path.startswith("/") or SKIP.search(href):
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if shape(target) not in seen:
                    queue.append(target)
    assert scanned > 30, f"only {scanned} pages reached"
    assert problems == {}, problems
