"""The one person search: UI search box, API ``GET /people?q=``, and intake's "returning person" check.

Matching works by inmate number (exact, then prefix), by name and alias (fuzzy), and by date of birth.
Names are compared on the folded columns ``Person.search_key`` ("first last | alias | ...": lower case, no
accents, no apostrophes) and ``Person.search_compact`` (the same without spaces, so "O Reily" meets
"OReily"), which people services keep up to date.

Fuzzy matching is pg_trgm's: ``word_similarity(query, column)``, the best trigram similarity between the
query and any stretch of the column, so "schibeta" finds "peter schibetta" and a first name is optional.

- On PostgreSQL the database does it, with GIN trigram indexes (migration people 0002): rows pass when
  ``query <% column`` (word similarity at least :data:`THRESHOLD`; a second, looser pass only when the
  first finds almost nothing).
- On SQLite this module computes the very same numbers in Python (a faithful port of pg_trgm's trigram
  extraction, ``similarity`` and ``word_similarity`` with float4 arithmetic), over the rows that contain
  enough of the query's trigrams. Same candidates, same scores, same order: the same top results.

Order (best first): exact inmate number, inmate-number prefix, then name matches by score (date of birth
matches first when the query holds a date), ties by whole-string similarity, then inmate number.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Collate, Greatest

from emerald.core.text import compact, fold
from emerald.people.models import Person

#: Minimum word similarity for a name to match, first pass. 0.6 lets a typo or a transposition through in a
#: full name or a longer surname, and is selective enough for the trigram index at a million people (a common
#: first name alone does not reach it).
THRESHOLD = 0.6
#: Second pass, only when the first finds no name at all: short names with a slip ("Kareem Siad") share few
#: trigrams with the right one. Slower (many more candidates), so never the default.
LOOSE_THRESHOLD = 0.45
FALLBACK_BELOW = 1
#: At most this many results: a search box shows the best few; intake checks the first ones.
DEFAULT_LIMIT = 100

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DOT_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")  # German: 02.03.1958
_US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")  # US: 03/02/1958


@dataclass(frozen=True)
class SearchQuery:
    """A query split into what is matched how."""

    text: str  # what remains after dates are taken out
    folded: str  # fold(text): matched against search_key
    compact: str  # compact(text): matched against search_compact
    number: str  # upper-case, no spaces: matched against inmate_number
    dob: date | None

    @property
    def has_name(self) -> bool:
        return bool(self.folded)


def parse_query(q: str) -> SearchQuery:
    """Take a date of birth out of the query (ISO, DD.MM.YYYY or MM/DD/YYYY); the rest is number or name."""
    text = " ".join((q or "").split())
    dob = None
    for pattern, order in ((_ISO_DATE, "ymd"), (_DOT_DATE, "dmy"), (_US_DATE, "mdy")):
        m = pattern.search(text)
        if not m:
            continue
        parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
        try:
            dob = date(parts["y"], parts["m"], parts["d"])
        except ValueError:
            continue
        text = " ".join((text[: m.start()] + " " + text[m.end():]).split())
        break
    return SearchQuery(text=text, folded=fold(text), compact=compact(text),
                       number=text.upper().replace(" ", ""), dob=dob)


# --- pg_trgm, ported -----------------------------------------------------------------------------

_WORD = re.compile(r"[0-9a-z]+")  # folded text holds only these as word characters


def _f32(x: float) -> float:
    """Round to float4, as pg_trgm computes."""
    return struct.unpack("f", struct.pack("f", x))[0]


def _words(s: str) -> list[str]:
    return _WORD.findall(s)


@lru_cache(maxsize=65536)
def trigrams_in_order(s: str) -> tuple[str, ...]:
    """pg_trgm's trigrams of ``s``, in text order with repeats: each word as "  word " cut into threes."""
    out: list[str] = []
    for w in _words(s):
        padded = f"  {w} "
        out.extend(padded[i:i + 3] for i in range(len(padded) - 2))
    return tuple(out)


@lru_cache(maxsize=65536)
def trigram_set(s: str) -> frozenset[str]:
    return frozenset(trigrams_in_order(s))


@lru_cache(maxsize=65536)
def padded_words(s: str) -> str:
    """Every word as "  word ", joined: a trigram of ``s`` is exactly a query trigram found in this string."""
    return "".join(f"  {w} " for w in _words(s))


def similarity(a: str, b: str) -> float:
    """pg_trgm ``similarity(a, b)``: shared trigrams over all trigrams."""
    ta, tb = trigram_set(a), trigram_set(b)
    if not ta or not tb:
        return 0.0
    count = len(ta & tb)
    return _f32(count / (len(ta) + len(tb) - count))


def word_similarity(a: str, b: str) -> float:
    """pg_trgm ``word_similarity(a, b)``: the best similarity of ``a`` with any stretch of ``b``.

    A line-by-line port of ``iterate_word_similarity`` (non-strict), so the SQLite fallback scores exactly
    like PostgreSQL.
    """
    q = trigram_set(a)
    t = trigrams_in_order(b)
    if not q or not t:
        return 0.0
    ulen1 = len(q)
    lastpos: dict[str, int] = {}
    ulen2 = count = 0
    upper = lower = -1
    best = 0.0
    for i, trg in enumerate(t):
        found = trg in q
        if lower >= 0 or found:
            if lastpos.get(trg, -1) < 0:
                ulen2 += 1
                if found:
                    count += 1
            lastpos[trg] = i
        if not found:
            continue
        upper = i
        if lower == -1:
            lower = i
            ulen2 = 1
        cur = _f32(count / (ulen1 + ulen2 - count))
        tmp_count, tmp_ulen2, prev_lower = count, ulen2, lower
        for tmp_lower in range(lower, upper + 1):
            tmp = _f32(tmp_count / (ulen1 + tmp_ulen2 - tmp_count))
            if tmp > cur:
                cur, ulen2, lower, count = tmp, tmp_ulen2, tmp_lower, tmp_count
            tt = t[tmp_lower]
            if lastpos.get(tt, -1) == tmp_lower:
                tmp_ulen2 -= 1
                if tt in q:
                    tmp_count -= 1
        best = max(best, cur)
        for tmp_lower in range(prev_lower, lower):
            tt = t[tmp_lower]
            if lastpos.get(tt, -1) == tmp_lower:
                lastpos[tt] = -1
    return best


# --- engines -------------------------------------------------------------------------------------


def _is_postgres(qs: QuerySet[Any]) -> bool:
    return connections[qs.db].vendor == "postgresql"


class _WordSimilar(Func):
    """``query <% column``: word similarity at least pg_trgm.word_similarity_threshold (index-assisted)."""

    arg_joiner = " <%% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _WordSimilarity(Func):
    function = "word_similarity"
    output_field = FloatField()


class _Similarity(Func):
    function = "similarity"
    output_field = FloatField()


def _set_threshold(alias: str, threshold: float) -> None:
    """Set pg_trgm's threshold for this session (``<%`` reads it; the index honours it).

    Set before every search rather than once per connection: a rolled-back transaction undoes it.
    """
    with connections[alias].cursor() as cur:
        cur.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(threshold)])


def _pg_ranked(qs: QuerySet[Person], sq: SearchQuery, limit: int,
               threshold: float = THRESHOLD) -> list[tuple[int, int, float, float]]:
    """(pk, tier, score, similarity) of the best matches, computed by PostgreSQL."""
    alias = qs.db
    out: list[tuple[int, int, float, float]] = []
    seen: set[int] = set()
    if sq.number and any(ch.isdigit() for ch in sq.number):
        exact = qs.filter(inmate_number=sq.number).values_list("pk", flat=True)
        prefix = (qs.filter(inmate_number__startswith=sq.number).exclude(inmate_number=sq.number)
                  .order_by(Collate("inmate_number", "C")).values_list("pk", flat=True)[:limit])
        for tier, pks in ((0, exact), (1, prefix)):
            for pk in pks:
                if pk not in seen:
                    seen.add(pk)
                    out.append((pk, tier, 1.0, 1.0))
    if not sq.has_name and sq.dob is None:
        return out[:limit]
    if sq.has_name:
        _set_threshold(alias, threshold)
        cond = Q(_WordSimilar(Value(sq.folded), F("search_key"))) | Q(
            _WordSimilar(Value(sq.compact), F("search_compact")))
        rows = (
            qs.filter(cond)
            .annotate(
                _score=Greatest(_WordSimilarity(Value(sq.folded), F("search_key")),
                                _WordSimilarity(Value(sq.compact), F("search_compact"))),
                _sim=_Similarity(Value(sq.folded), F("search_key")),
            )
        )
        if sq.dob is not None:
            # CASE, not a comparison: a NULL date of birth must sort with the non-matches.
            rows = rows.annotate(_dob=Case(When(date_of_birth=sq.dob, then=Value(1)), default=Value(0),
                                           output_field=IntegerField()))
            order = ["-_dob", "-_score", "-_sim", Collate("inmate_number", "C")]
        else:
            order = ["-_score", "-_sim", Collate("inmate_number", "C")]
        fields = ["pk", "_score", "_sim"] + (["_dob"] if sq.dob is not None else [])
        for row in rows.order_by(*order).values_list(*fields)[: limit + len(seen)]:
            if row[0] in seen:
                continue
            seen.add(row[0])
            tier = 2 if (sq.dob is not None and row[3]) else 3
            out.append((row[0], tier, float(row[1]), float(row[2])))
    else:
        for pk in qs.filter(date_of_birth=sq.dob).order_by(Collate("inmate_number", "C")).values_list(
                "pk", flat=True)[:limit]:
            if pk not in seen:
                seen.add(pk)
                out.append((pk, 2, 1.0, 1.0))
    return out[:limit]


def _py_ranked(qs: QuerySet[Person], sq: SearchQuery, limit: int,
               threshold: float = THRESHOLD) -> list[tuple[int, int, float, float]]:
    """The same ranking as :func:`_pg_ranked`, computed in Python (SQLite and any other database)."""
    scored: list[tuple[int, float, float, str, int]] = []  # (tier, -score, -sim, number, pk)
    number_ok = bool(sq.number) and any(ch.isdigit() for ch in sq.number)
    if sq.has_name:
        q1, q2 = trigram_set(sq.folded), trigram_set(sq.compact)
        # A row can reach THRESHOLD only if it holds at least this many of the query's trigrams.
        need1 = math.ceil(threshold * len(q1) - 1e-9) if q1 else 10**9
        need2 = math.ceil(threshold * len(q2) - 1e-9) if q2 else 10**9
    rows: Iterable[tuple[Any, ...]] = qs.values_list(
        "pk", "inmate_number", "search_key", "search_compact", "date_of_birth").iterator(chunk_size=5000)
    for pk, number, key, comp, dob in rows:
        if number_ok and number == sq.number:
            scored.append((0, -1.0, -1.0, number, pk))
            continue
        if number_ok and number.startswith(sq.number):
            scored.append((1, -1.0, -1.0, number, pk))
            continue
        if sq.has_name:
            p1, p2 = padded_words(key), padded_words(comp)
            ok1 = sum(1 for t in q1 if t in p1) >= need1
            ok2 = sum(1 for t in q2 if t in p2) >= need2
            if not (ok1 or ok2):
                continue
            w1 = word_similarity(sq.folded, key) if ok1 else 0.0
            w2 = word_similarity(sq.compact, comp) if ok2 else 0.0
            if w1 < threshold and w2 < threshold:
                continue
            score = max(w1, w2)
            tier = 2 if (sq.dob is not None and dob == sq.dob) else 3
            scored.append((tier, -score, -similarity(sq.folded, key), number, pk))
        elif sq.dob is not None and dob == sq.dob:
            scored.append((2, -1.0, -1.0, number, pk))
    scored.sort()
    return [(pk, tier, -s, -sim) for tier, s, sim, _n, pk in scored[:limit]]


def ranked(qs: QuerySet[Person], q: str, *, limit: int = DEFAULT_LIMIT) -> list[tuple[int, int, float, float]]:
    """The best matches in ``qs`` as (pk, tier, score, similarity), best first. Tiers: 0 exact number,
    1 number prefix, 2 date of birth (with a name match, when the query has both), 3 name match."""
    sq = parse_query(q)
    if not sq.text and sq.dob is None:
        return []
    engine = _pg_ranked if _is_postgres(qs) else _py_ranked
    hits = engine(qs, sq, limit, THRESHOLD)
    if sq.has_name and sum(1 for h in hits if h[1] >= 2) < FALLBACK_BELOW:
        hits = engine(qs, sq, limit, LOOSE_THRESHOLD)
    return hits


def search_people(qs: QuerySet[Person], q: str, *, limit: int = DEFAULT_LIMIT) -> QuerySet[Person]:
    """People of ``qs`` matching ``q``, best first (at most ``limit``). ``qs`` is already permission-filtered.

    A queryset (so callers can prefetch, paginate and count) ordered by the computed rank, with
    ``search_rank`` (0 = best) and ``search_score`` annotated.
    """
    hits = ranked(qs, q, limit=limit)
    if not hits:
        return qs.none()
    rank = Case(*[When(pk=pk, then=Value(i)) for i, (pk, *_r) in enumerate(hits)], output_field=IntegerField())
    score = Case(*[When(pk=pk, then=Value(float(sc))) for pk, _t, sc, _s in hits], output_field=FloatField())
    return (Person.objects.using(qs.db).filter(pk__in=[pk for pk, *_r in hits])
            .annotate(search_rank=rank, search_score=score).order_by("search_rank"))
