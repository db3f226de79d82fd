"""The attack of issue 7, finding 1: rebuild identity numbers from what a role without reveal reads.

A grid worker reads every page (list, resident, household), every API answer (list, resident, household)
and the masked export about the residents of a grid, and the test collects what they show about each
person: the masked identity numbers, any birth date, the age, the sex. It then counts the identity numbers
that fit all of it: every county-level region code in use in 2023 (fewer codes than ever existed, so the
count errs low) that fits the visible characters, every birth date that the visible birth data allows on
the day, the sequence digits that fit the visible characters and the sex, and the GB 11643 check digit.
Every person must keep at least 10,000 candidates. The people are chosen for the edges: born on 29
February, a check digit X, born this week (aged 0), aged 100.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shequ.residents import services
from tests.conftest import SHARED
from tests.factories import with_check_digit

pytestmark = pytest.mark.django_db

MIN_CANDIDATES = 10_000
WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # GB 11643-1999
CHECK = "10X98765432"  # the check character of (weighted sum mod 11)
REGION_CODES = sorted(
    {row["code"] for row in csv.DictReader((SHARED / "admin-divisions" / "areas.csv").open(encoding="utf-8"))}
)
EARLIEST = datetime.date(1900, 1, 1)

# Labels (Chinese pages, English msgids, API keys, export headings) of the facts that narrow the birth date.
BIRTH_LABELS = ("出生日期", "date of birth", "birth_date", "birth")
AGE_LABELS = ("年龄", "age")
SEX_LABELS = ("性别", "sex")
MALE, FEMALE = {"m", "男", "male"}, {"f", "女", "female"}
MASK = re.compile(r"(?<![0-9Xx*])[0-9Xx*]{18}(?![0-9Xx*])")


def age_on(birth: datetime.date, day: datetime.date) -> int:
    """Whole years: the birthday (29 February: 1 March in other years) has been reached or not."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def id_with_order(region: str, birth: datetime.date, *, male: bool, want_x: bool = False) -> str:
    """A valid number for that birth and sex; with ``want_x`` one whose check character is X."""
    for order in range(1 if male else 2, 1000, 2):
        number = with_check_digit(f"{region}{birth:%Y%m%d}{order:03d}")
        if number.endswith("X") == want_x:
            return number
    raise AssertionError("no such number")


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


@dataclass
class Seen:
    """What one person's pages, API answers and export rows show."""

    masks: set[str] = field(default_factory=set)
    births: set[datetime.date] = field(default_factory=set)
    ages: set[int] = field(default_factory=set)
    sexes: set[str] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)

    def add(self, label: str, value: object) -> None:
        text = "" if value is None else str(value).strip()
        label = label.strip().lower()
        self.texts.append(text)
        self.masks.update(m.upper() for m in MASK.findall(text))
        if any(mark in label for mark in BIRTH_LABELS) and text:
            self.births.add(datetime.date.fromisoformat(text[:10]))
        elif any(label == mark or label.startswith(mark) for mark in AGE_LABELS) and text:
            self.ages.add(int(re.match(r"\d+", text).group()))
        elif any(mark in label for mark in SEX_LABELS) and text:
            self.sexes.add("M" if text.lower() in MALE else "F" if text.lower() in FEMALE else text)


class Markup(HTMLParser):
    """Tables (headings, then rows of cells with the links in them) and definition lists of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[list[str]] = []
        self.rows: list[tuple[int, list[str], list[str]]] = []  # table number, cells, links
        self.pairs: list[tuple[str, str]] = []
        self._cell: list[str] | None = None
        self._cells: list[str] = []
        self._links: list[str] = []
        self._in_head = False
        self._dt = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.headings.append([])
        elif tag == "tr":
            self._cells, self._links = [], []
        elif tag in ("th", "td", "dt", "dd"):
            self._cell = []
            self._in_head = tag == "th"
        elif tag == "a" and self._cell is not None:
            self._links.append(dict(attrs).get("href") or "")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td", "dt", "dd") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            self._cell = None
            if tag == "th":
                self.headings[-1].append(text)
            elif tag == "td":
                self._cells.append(text)
            elif tag == "dt":
                self._dt = text
            else:
                self.pairs.append((self._dt, text))
        elif tag == "tr" and self._cells:
            self.rows.append((len(self.headings) - 1, self._cells, self._links))


def parsed(html: bytes) -> Markup:
    page = Markup()
    page.feed(html.decode())
    return page


def person_ids(links: Iterable[str]) -> set[int]:
    return {int(m.group(1)) for link in links if (m := re.fullmatch(r"/residents/(\d+)/", link))}


def read_everything(client, people: dict[int, str]) -> dict[int, Seen]:
    """Everything the signed-in role can read about ``people`` (pk -> name)."""
    seen: dict[int, Seen] = defaultdict(Seen)
    by_name = {name: pk for pk, name in people.items()}

    def table_rows(page: Markup) -> Iterator[tuple[int, list[tuple[str, str]]]]:
        for table, cells, links in page.rows:
            for pk in person_ids(links) & set(people):
                yield pk, list(zip(page.headings[table], cells, strict=False))

    def api_person(row: dict[str, object]) -> None:
        for key, value in row.items():
            seen[int(row["id"])].add(key, value)

    households = set()
    for pk, pairs in table_rows(parsed(client.get("/residents/?page=1").content)):
        for label, value in pairs:
            seen[pk].add(label, value)
    for pk in people:
        page = parsed(client.get(f"/residents/{pk}/").content)
        for label, value in page.pairs:
            seen[pk].add(label, value)
        answer = client.get(f"/api/residents/{pk}").json()
        api_person(answer)
        if answer["household_id"]:
            households.add(answer["household_id"])
    for household in households:
        for pk, pairs in table_rows(parsed(client.get(f"/residents/households/{household}/").content)):
            for label, value in pairs:
                seen[pk].add(label, value)
        for member in client.get(f"/api/households/{household}").json()["members"]:
            api_person(member)
    items = client.get("/api/residents?limit=500").json()["items"]
    for row in items:
        api_person(row)
    export = client.post("/residents/export/", {"reason": ""})
    sheet = load_workbook(io.BytesIO(export.content), read_only=True).active
    head, *rows = list(sheet.iter_rows(values_only=True))
    for row in rows:
        values = dict(zip(head, row, strict=True))
        pk = by_name.get(str(values.get("姓名")))
        if pk is not None:
            for label, value in values.items():
                seen[pk].add(str(label), value.isoformat() if isinstance(value, datetime.date) else value)
    return seen


def fits(pattern: str, text: str) -> bool:
    return all(p in ("*", c) for p, c in zip(pattern, text, strict=True))


def residues(values: Iterable[str], weights: list[int]) -> Counter[int]:
    """How many of ``values`` give each weighted digit sum mod 11."""
    return Counter(sum(w * int(c) for w, c in zip(weights, value, strict=True)) % 11 for value in values)


def candidates(seen: Seen, today: datetime.date, truth: str) -> int:
    """How many identity numbers fit everything seen; the true one must be among them."""
    pattern = "*" * 18
    for mask in seen.masks:
        assert len(mask) == 18
        pattern = "".join(c if c != "*" else p for p, c in zip(pattern, mask, strict=True))
    assert fits(pattern, truth), (pattern, truth)
    # A birth date shown under any other label, in any usual form, counts as known.
    born = datetime.date(int(truth[6:10]), int(truth[10:12]), int(truth[12:14]))
    forms = {f"{born:%Y%m%d}", born.isoformat(), f"{born:%Y/%m/%d}", f"{born.year}年{born.month}月{born.day}日"}
    if any(form in text for text in seen.texts for form in forms):
        seen.births.add(born)
    dates: Iterable[datetime.date]
    if seen.births:
        dates = seen.births
    else:
        oldest = EARLIEST
        if seen.ages:
            oldest = max(oldest, years_before(today, max(seen.ages) + 1))
        dates = (oldest + datetime.timedelta(days=n) for n in range((today - oldest).days + 1))
    dates = [d for d in dates if all(age_on(d, today) == a for a in seen.ages) and d <= today]
    regions = [code for code in REGION_CODES if fits(pattern[:6], code)]
    births = [f"{d:%Y%m%d}" for d in dates if fits(pattern[6:14], f"{d:%Y%m%d}")]
    parity = {"M": {1}, "F": {0}}
    orders = [
        f"{n:03d}"
        for n in range(1000)
        if fits(pattern[14:17], f"{n:03d}") and all(n % 2 in parity.get(s, {0, 1}) for s in seen.sexes)
    ]
    assert truth[:6] in regions and truth[6:14] in births and truth[14:17] in orders
    r, b, o = residues(regions, WEIGHTS[:6]), residues(births, WEIGHTS[6:14]), residues(orders, WEIGHTS[14:])
    return sum(r[x] * b[y] * o[z] for x in r for y in b for z in o if pattern[17] in ("*", CHECK[(x + y + z) % 11]))


def test_what_a_grid_worker_reads_leaves_every_identity_number_10000_candidates(world, user_of, client_of):
    today = timezone.localdate()
    leap = next(datetime.date(y, 2, 29) for y in range(1996, 1900, -4))
    edges = {
        "测二月": id_with_order("210102", leap, male=False),
        "测校验": id_with_order("210103", datetime.date(1975, 6, 15), male=True, want_x=True),
        "测新生": id_with_order("210102", today - datetime.timedelta(days=min(3, today.weekday())), male=True),
        "测百岁": id_with_order("210102", years_before(today, 100), male=False),
        "测外省": id_with_order("110105", datetime.date(1988, 12, 31), male=True),
    }
    assert edges["测校验"].endswith("X")
    staff = user_of("community_staff")
    for n, (name, number) in enumerate(edges.items()):
        services.person_register(
            actor=staff,
            community_code=world.community_a.code,
            name=name,
            id_number=number,
            phone=f"1390000{n:04d}",
            residence_type="户籍",
            street_address="南京南街5号",
            building="1",
            unit="1",
            room="101",
            grid="第1网格",
            household_number="H-EDGE",
            relation="户主" if n == 0 else "子女",
        )
    from shequ.residents.models import Person

    # The people registered here (the world's own resident of the grid is recorded female with a male
    # number, which no real card has).
    people = {p.pk: p for p in Person.objects.filter(area=world.grid_a1, name__in=edges)}
    assert len(people) == len(edges)
    seen = read_everything(client_of("grid_worker"), {pk: p.name for pk, p in people.items()})
    # The reading reached every source: each person was seen with a mask and a sex at least.
    assert all(seen[pk].masks and seen[pk].sexes for pk in people)
    counts = {p.name: candidates(seen[pk], today, p.id_number) for pk, p in people.items()}
    assert min(counts.values()) >= MIN_CANDIDATES, counts
