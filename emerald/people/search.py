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
matches first when the query holds a date), ties by the shorter search key (fewer other names), then inmate
number; the best 50 name matches are then ordered by typing distance (letters dropped, added, changed or
swapped) between the query's words and the person's closest name, score breaking ties.
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
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate, Length

from emerald.core.text import compact, fold
from emerald.people.models import Person

#: Minimum word similarity for a name to match (first pass). A typo or a transposition in a full name or a
#: longer surname mostly stays above it, and it keeps the trigram index selective at a million people
#: (measured with bench/search.py: 0.5 finds hardly more, 0.6 misses more).
THRESHOLD = 0.55
#: Second pass, only when the first finds fewer than FALLBACK_BELOW names (a short name with a slip such as
#: "Kareem Siad"): the same at this threshold. Slower (more candidates), so not the default.
LOOSE_THRESHOLD = 0.45
FALLBACK_BELOW = 5
#: The spaceless column must match this much better: it exists for spacing ("O Reily" = "OReily"), and with
#: no word boundaries a long first name alone would otherwise reach the threshold there.
COMPACT_MARGIN = 0.15
#: The best this many name matches (by trigram score) are ordered by typing distance first: the number of
#: letters dropped, added, changed or swapped between the query's words and the person's closest name.
RERANK = 50


@dataclass(frozen=True)
class Pass:
    """How one pass finds names: the thresholds for the folded and the spaceless column."""

    threshold: float
    compact_threshold: float


def passes(sq: SearchQuery | None = None) -> list[Pass]:
    """The first pass, then the fallback (run only when the first finds fewer than FALLBACK_BELOW names)."""
    return [Pass(t, round(min(1.0, t + COMPACT_MARGIN), 2)) for t in (THRESHOLD, LOOSE_THRESHOLD)]


@lru_cache(maxsize=200_000)
def edit_distance(a: str, b: str, cap: int = 3) -> int:
    """Letters dropped, added, changed or swapped with a neighbour to turn ``a`` into ``b`` (at most ``cap``)."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) >= cap:
        return cap
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) >= cap:
            return cap
        prev2, prev = prev, cur
    return min(prev[-1], cap)


def typing_distance(query: str, key: str) -> int:
    """How far the query is from the closest of the person's names: word by word (order-free, words may be
    missing from the query, each counting at most 3), or as one string without spaces ("San chez")."""
    words = query.split()
    joined = "".join(words)
    best = 3 * len(words)
    for name in key.split(" | "):
        name_words = name.split()
        if not name_words:
            continue
        d = sum(min(edit_distance(w, n) for n in name_words) for w in words)
        best = min(best, d, edit_distance(joined, "".join(name_words)))
    return best


def _order(rows: list[tuple[int, float, int, str, int, str]], sq: SearchQuery) -> list[tuple[int, int, float, float]]:
    """Rows (tier, -score, key length, number, pk, key) best first: by tier and score, then the best RERANK
    name matches again by typing distance. Both engines order with this one function."""
    rows.sort(key=lambda r: r[:5])
    head = [r for r in rows if r[0] >= 2][:RERANK]
    if head:
        chosen = {r[4] for r in head}
        head.sort(key=lambda r: (r[0], typing_distance(sq.folded, r[5]), *r[1:5]))
        rest = [r for r in rows if r[0] >= 2 and r[4] not in chosen]
        rows = [r for r in rows if r[0] < 2] + head + rest
    return [(pk, tier, -score, float(length)) for tier, score, length, _n, pk, _k in rows]


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


def _set_threshold(alias: str, threshold: float) -> None:
    """Set pg_trgm's threshold for this session (``<%`` reads it; the index honours it).

    Set before every search rather than once per connection: a rolled-back transaction undoes it.
    """
    with connections[alias].cursor() as cur:
        cur.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(threshold)])


def _pg_ranked(qs: QuerySet[Person], sq: SearchQuery, limit: int,
               how: Pass | None = None) -> list[tuple[int, int, float, float]]:
    """(pk, tier, score, key length) of the best matches: PostgreSQL finds and scores, Python orders."""
    how = how or passes(sq)[0]
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
        # One index scan per column, merged here (an OR of both would have PostgreSQL evaluate the trigram
        # operators twice per candidate, and candidates are the cost). Each scan scores its own column: a row
        # the other scan did not find scores below the other threshold there, which cannot be its best.
        # Each scan returns only its best ``keep`` rows in the final order (a common first name alone can reach
        # the threshold in thousands of rows): a row among the best by its better score is among the best of
        # the scan of that column, so the merged best are exactly those of all matches.
        keep = max(limit, RERANK) + len(seen)
        tier_sql: Any = (Case(When(date_of_birth=sq.dob, then=Value(2)), default=Value(3), output_field=IntegerField())
                         if sq.dob is not None else Value(3))
        best: dict[int, list[Any]] = {}
        for text, column, guc in ((sq.folded, "search_key", how.threshold),
                                  (sq.compact, "search_compact", how.compact_threshold)):
            _set_threshold(alias, guc)
            rows = (qs.filter(_WordSimilar(Value(text), F(column)))
                    .annotate(_ws=_WordSimilarity(Value(text), F(column)), _tier=tier_sql, _len=Length("search_key"))
                    .order_by("_tier", "-_ws", "_len", Collate("inmate_number", "C"), "pk")
                    .values_list("pk", "inmate_number", "date_of_birth", "_ws", "search_key")[:keep])
            for pk, number, dob, ws, key in rows:
                score = _f32(ws)
                if pk in best:
                    best[pk][1] = max(best[pk][1], score)
                else:
                    best[pk] = [number, score, dob, key]
        ranked_rows = []
        for pk, (number, score, dob, key) in best.items():
            if pk in seen:
                continue
            tier = 2 if (sq.dob is not None and dob == sq.dob) else 3
            ranked_rows.append((tier, -score, len(key), number, pk, key))
        out.extend(_order(ranked_rows, sq))
    else:
        for pk in qs.filter(date_of_birth=sq.dob).order_by(Collate("inmate_number", "C")).values_list(
                "pk", flat=True)[:limit]:
            if pk not in seen:
                seen.add(pk)
                out.append((pk, 2, 1.0, 1.0))
    return out[:limit]


def _need(text: str, threshold: float) -> tuple[frozenset[str], int]:
    """The query's trigrams, and how many of them a text must hold to possibly reach ``threshold``."""
    grams = trigram_set(text)
    return grams, (math.ceil(threshold * len(grams) - 1e-9) if grams else 10**9)


def _py_ranked(qs: QuerySet[Person], sq: SearchQuery, limit: int,
               how: Pass | None = None) -> list[tuple[int, int, float, float]]:
    """The same ranking as :func:`_pg_ranked`, computed in Python (SQLite and any other database)."""
    how = how or passes(sq)[0]
    scored: list[tuple[int, float, int, str, int, str]] = []  # (tier, -score, key length, number, pk, key)
    number_ok = bool(sq.number) and any(ch.isdigit() for ch in sq.number)
    if sq.has_name:
        # Cheap necessary conditions first (a text holding too few of the query's trigrams cannot reach the
        # threshold), then the exact pg_trgm computation.
        key_grams, key_need = _need(sq.folded, how.threshold)
        comp_grams, comp_need = _need(sq.compact, how.compact_threshold)
    rows: Iterable[tuple[Any, ...]] = qs.values_list(
        "pk", "inmate_number", "search_key", "search_compact", "date_of_birth").iterator(chunk_size=5000)
    for pk, number, key, comp, dob in rows:
        if number_ok and number == sq.number:
            scored.append((0, -1.0, 0, number, pk, key))
            continue
        if number_ok and number.startswith(sq.number):
            scored.append((1, -1.0, 0, number, pk, key))
            continue
        if sq.has_name:
            score = -1.0
            p1 = padded_words(key)
            if sum(1 for g in key_grams if g in p1) >= key_need:
                w1 = word_similarity(sq.folded, key)
                if w1 >= how.threshold:
                    score = w1
            p2 = padded_words(comp)
            if sum(1 for g in comp_grams if g in p2) >= comp_need:
                w2 = word_similarity(sq.compact, comp)
                if w2 >= how.compact_threshold:
                    score = max(score, w2)
            if score < 0:
                continue
            tier = 2 if (sq.dob is not None and dob == sq.dob) else 3
            scored.append((tier, -score, len(key), number, pk, key))
        elif sq.dob is not None and dob == sq.dob:
            scored.append((2, -1.0, 0, number, pk, key))
    return _order(scored, sq)[:limit] if sq.has_name else [
        (pk, tier, -s, float(length)) for tier, s, length, _n, pk, _k in sorted(scored, key=lambda r: r[:5])[:limit]]


def ranked(qs: QuerySet[Person], q: str, *, limit: int = DEFAULT_LIMIT) -> list[tuple[int, int, float, float]]:
    """The best matches in ``qs`` as (pk, tier, score, key length), best first. Tiers: 0 exact number,
    1 number prefix, 2 date of birth (with a name match, when the query has both), 3 name match."""
    sq = parse_query(q)
    if not sq.text and sq.dob is None:
        return []
    engine = _pg_ranked if _is_postgres(qs) else _py_ranked
    first, fallback = passes(sq)
    hits = engine(qs, sq, limit, first)
    if sq.has_name and sum(1 for h in hits if h[1] >= 2) < FALLBACK_BELOW:
        hits = engine(qs, sq, limit, fallback)
    return hits


def search_people(qs: QuerySet[Person], q: str, *, limit: int = DEFAULT_LIMIT) -> QuerySet[Person]:
    """People of ``qs`` matching ``q``, best first (at most ``limit``). ``qs`` is already permission-filtered.

    A queryset (so callers can prefetch, paginate and count) ordered by the computed rank, with
    ``search_rank`` (0 = best) and ``search_score`` annotated.
    """
    hits = ranked(qs, q, limit=limit)
    if not hits:
        return qs.none()
    # Written as SQL: a hundred When(pk=...) expressions cost Django some 20 ms to build and compile.
    table, key = Person._meta.db_table, Person._meta.pk.column  # type: ignore[union-attr]
    whens = " ".join(["WHEN %s THEN %s"] * len(hits))
    rank = RawSQL(f'CASE "{table}"."{key}" {whens} END', [x for i, (pk, *_r) in enumerate(hits) for x in (pk, i)],
                  output_field=IntegerField())
    score = RawSQL(f'CASE "{table}"."{key}" {whens} END', [x for pk, _t, sc, _s in hits for x in (pk, float(sc))],
                   output_field=FloatField())
    return (Person.objects.using(qs.db).filter(pk__in=[pk for pk, *_r in hits])
            .annotate(search_rank=rank, search_score=score).order_by("search_rank"))
