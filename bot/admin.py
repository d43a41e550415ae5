"""Administering staff and the rota from the command line (and from a rota file)."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flows.oncall.model import Override, Role, Shift
from flows.oncall.rota import is_on_call
from flows.ports import UnitOfWork

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SHIFT_FIELDS = ("staff", "day", "start", "end")
OVERRIDE_FIELDS = ("staff", "from", "to")


class AdminError(ValueError):
    """A request an administrator must correct; the message says how."""


class Admin:
    """Staff and rota administration, as the CLI offers it."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        clock: Callable[[], dt.datetime],
        remove: Callable[[str], bool],
    ):
        self._unit_of_work = unit_of_work
        self._clock = clock
        # Removal runs through the desk (cases back to the queue, people told): StaffService.remove.
        self._remove = remove

    def add_staff(self, name: str, role: str, telegram_id: int | None) -> str:
        with self._unit_of_work() as uow:
            existing = uow.staff.by_name(name)
            if existing is not None and existing.active:
                raise AdminError(f"{name} is already registered")
            if existing is not None:
                existing.active, existing.role, existing.telegram_id = True, Role(role), telegram_id
                uow.staff.save(existing)
            else:
                uow.staff.add(name, Role(role), telegram_id)
            uow.commit()
        return f"added {name} ({role})"

    def remove_staff(self, name: str) -> str:
        """Deactivate rather than delete (the case timelines keep their history), and at once: their
        held cases go back to the queue and their running sessions end."""
        if not self._remove(name):
            raise AdminError(f"no active staff member called {name}")
        return f"removed {name}"

    def list_staff(self) -> list[str]:
        now = self._clock()
        with self._unit_of_work() as uow:
            shifts, overrides = uow.rota.shifts(), uow.rota.overrides(now)
            rows = []
            for member in uow.staff.all():
                state = "on call" if is_on_call(member, shifts, overrides, now) else "off call"
                active = "" if member.active else " (removed)"
                telegram = f" · telegram:{member.telegram_id}" if member.telegram_id else ""
                rows.append(f"{member.name} · {member.role.value} · {state}{telegram}{active}")
        return rows or ["no staff registered"]

    def add_shift(self, name: str, weekday: str, start: str, end: str) -> str:
        with self._unit_of_work() as uow:
            member = self._member(uow, name)
            uow.rota.add_shift(Shift(member.id, _weekday(weekday), _time(start), _time(end)))
            uow.commit()
        return f"{name}: {weekday} {start}-{end}"

    def add_override(self, name: str, starts: str, ends: str, on_call: bool) -> str:
        with self._unit_of_work() as uow:
            member = self._member(uow, name)
            uow.rota.add_override(_span(member.id, starts, ends, on_call))
            uow.commit()
        return f"{name}: {'on' if on_call else 'off'} call from {starts} to {ends}"

    def load_rota(self, path: Path) -> str:
        """Replace all shifts with those in a TOML file: [[shift]] staff, day, start, end; nothing
        changes unless the whole file is right."""
        data = _rota_file(path)
        with self._unit_of_work() as uow:
            uow.rota.clear()
            for number, entry in enumerate(data.get("shift", []), 1):
                staff, day, start, end = _fields(path, "shift", number, entry, SHIFT_FIELDS)
                member = self._member(uow, staff)
                uow.rota.add_shift(Shift(member.id, _weekday(day), _time(start), _time(end)))
            for number, entry in enumerate(data.get("override", []), 1):
                staff, starts, ends = _fields(path, "override", number, entry, OVERRIDE_FIELDS)
                member = self._member(uow, staff)
                uow.rota.add_override(_span(member.id, starts, ends, bool(entry.get("on_call", True))))
            uow.commit()
        return f"loaded {len(data.get('shift', []))} shifts and {len(data.get('override', []))} overrides"

    def show_rota(self) -> list[str]:
        """The weekly shifts, then the overrides that have not ended yet."""
        with self._unit_of_work() as uow:
            names = {member.id: member.name for member in uow.staff.all()}
            shifts = sorted(uow.rota.shifts(), key=lambda s: (s.weekday, s.start))
            rows = [
                f"{WEEKDAYS[s.weekday]} {s.start:%H:%M}-{s.end:%H:%M} {names.get(s.staff_id, '?')}"
                for s in shifts
            ]
            overrides = sorted(uow.rota.overrides(self._clock()), key=lambda o: o.starts)
            rows += [
                f"{'on' if o.on_call else 'off'} call {o.starts:%Y-%m-%d %H:%M} to {o.ends:%Y-%m-%d %H:%M}"
                f" {names.get(o.staff_id, '?')}"
                for o in overrides
            ]
        return rows or ["the rota is empty"]

    def _member(self, uow: UnitOfWork, name: str) -> Any:
        member = uow.staff.by_name(name)
        if member is None or not member.active:
            raise AdminError(f"no active staff member called {name}")
        return member


def _weekday(text: str) -> int:
    key = text.strip().lower()[:3]
    if key not in WEEKDAYS:
        raise AdminError(f"unknown day {text!r}: use mon, tue, wed, thu, fri, sat or sun")
    return WEEKDAYS.index(key)


def _time(value: object) -> dt.time:
    try:
        return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))
    except ValueError as error:
        raise AdminError(f"not a time of day: {value!r} (use HH:MM)") from error


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise AdminError(f"not a date and time: {text!r} (use 2026-12-24T18:00)") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _span(staff_id: int, starts: str, ends: str, on_call: bool) -> Override:
    override = Override(staff_id, _moment(starts), _moment(ends), on_call)
    if override.ends <= override.starts:
        raise AdminError(f"an override must end after it starts: {ends} is not after {starts}")
    return override


def _rota_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AdminError(f"cannot read the rota file {path}: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise AdminError(f"the rota file {path} is not valid TOML: {error}") from None


def _fields(path: Path, table: str, number: int, entry: Any, names: tuple[str, ...]) -> list[str]:
    """The named fields of one [[shift]] or [[override]] entry, as text; a missing one is named."""
    missing = [name for name in names if not isinstance(entry, dict) or name not in entry]
    if missing:
        raise AdminError(
            f"the rota file {path}: [[{table}]] number {number} has no {', '.join(missing)} "
            f"(each needs {', '.join(names)})"
        )
    return [str(entry[name]) for name in names]
