"""The crisis lines and emergency numbers of each country, from `flows/data/crisis_lines.toml`.

Every line in the data file names its source and the date it was last verified, so the people who
run the service can check it and tell when it has gone stale.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from flows.content import Content

FALLBACK = "INTL"
# The suicide and emotional crisis lines: shown everywhere, after any lines for a particular kind.
CRISIS = "crisis"


@dataclass(frozen=True)
class CrisisLine:
    name: str
    call: str = ""
    text: str = ""
    chat: str = ""
    hours: str = ""
    for_others: bool = True
    source: str = ""
    verified: dt.date | None = None
    kinds: tuple[str, ...] = (CRISIS,)


@dataclass(frozen=True)
class CountryLines:
    code: str
    name: str
    emergency: str
    lines: tuple[CrisisLine, ...]

    @property
    def last_verified(self) -> dt.date | None:
        dates = [line.verified for line in self.lines if line.verified]
        return min(dates, default=None)


@cache
def all_countries() -> dict[str, CountryLines]:
    """Every country in the data file, by ISO code, the international fallback included."""
    raw = (resources.files("flows") / "data" / "crisis_lines.toml").read_text(encoding="utf-8")
    countries = tomllib.loads(raw)["countries"]
    return {code: _country(code, entry) for code, entry in countries.items()}


def lines_for(country: str | None) -> CountryLines:
    """The lines for `country`, or the international fallback where we have none."""
    known = all_countries()
    return known.get((country or "").upper(), known[FALLBACK])


def country_codes() -> list[str]:
    """The countries a person can pick, without the fallback."""
    return [code for code in all_countries() if code != FALLBACK]


def find_country(text: str, content: Content) -> str | None:
    """The country code a person's words name (`uk`, `España`, `GB`), or None."""
    wanted = " ".join(text.lower().replace(".", "").split())
    for code, country in all_countries().items():
        names = {code.lower(), country.name.lower(), *content.words(f"countries.aliases.{code}")}
        if wanted in names:
            return code
    return None


def render_lines(
    country: str | None,
    content: Content,
    *,
    for_others: bool = False,
    kinds: tuple[str, ...] = (CRISIS,),
) -> str:
    """The lines of a country as a short block for a phone screen: those for `kinds`, in that
    order (a domestic violence line before the crisis lines, say), each line once."""
    found = lines_for(country)
    shown = [line for line in lines_of_kinds(found, kinds) if line.for_others or not for_others]
    parts = [content.text("crisis.heading", country=country_name(found.code, content))]
    parts.append(content.text("crisis.emergency", number=found.emergency))
    parts.extend(_render_line(line, content) for line in shown)
    if found.last_verified:
        parts.append(content.text("crisis.verified", date=found.last_verified.isoformat()))
    return "\n".join(parts)


def render_support_lines(country: str | None, content: Content, kinds: tuple[str, ...]) -> str:
    """Only the lines of `kinds`, one a row, without heading or emergency number ("" for none): the
    support for particular situations shown under the crisis lines."""
    found = lines_of_kinds(lines_for(country), kinds)
    return "\n".join(_render_line(line, content) for line in found if CRISIS not in line.kinds)


def lines_of_kinds(country: CountryLines, kinds: tuple[str, ...]) -> list[CrisisLine]:
    """The country's lines for any of `kinds`, ordered by the first kind each serves."""
    wanted = [line for line in country.lines if set(line.kinds) & set(kinds)]
    return sorted(wanted, key=lambda line: min(kinds.index(kind) for kind in line.kinds if kind in kinds))


def has_lines(country: str | None, kind: str) -> bool:
    return bool(lines_of_kinds(lines_for(country), (kind,)))


def emergency_number(country: str | None) -> str:
    return lines_for(country).emergency


def _render_line(line: CrisisLine, content: Content) -> str:
    ways = [content.text(f"crisis.{way}", value=value) for way, value in _ways(line) if value]
    hours = content.text("crisis.hours", hours=line.hours) if line.hours else ""
    return content.text("crisis.line", name=line.name, ways=", ".join(ways), hours=hours).rstrip()


def _ways(line: CrisisLine) -> list[tuple[str, str]]:
    return [("call", line.call), ("text", line.text), ("chat", line.chat)]


def country_name(code: str | None, content: Content) -> str:
    """The country's name in the person's language, where the content has it."""
    country = lines_for(code)
    return str(content.get(f"countries.names.{country.code}") or country.name)


def _country(code: str, entry: dict[str, object]) -> CountryLines:
    raw_lines = entry.get("lines", [])
    lines = tuple(_line(item) for item in raw_lines) if isinstance(raw_lines, list) else ()
    return CountryLines(code, str(entry["name"]), str(entry["emergency"]), lines)


def _line(item: dict[str, object]) -> CrisisLine:
    verified = item.get("verified")
    return CrisisLine(
        name=str(item["name"]),
        call=str(item.get("call", "")),
        text=str(item.get("text", "")),
        chat=str(item.get("chat", "")),
        hours=str(item.get("hours", "")),
        for_others=bool(item.get("for_others", True)),
        source=str(item.get("source", "")),
        verified=verified if isinstance(verified, dt.date) else None,
        kinds=_kinds(item.get("kinds")),
    )


def _kinds(raw: object) -> tuple[str, ...]:
    return tuple(str(kind) for kind in raw) if isinstance(raw, list) and raw else (CRISIS,)
