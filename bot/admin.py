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
                telegram = f" telegram:{member.telegram_id}" if member.telegram_id else ""
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
            uow.rota.add_override(Override(member.id, _moment(starts), _moment(ends), on_call))
            uow.commit()
        return f"{name}: {'on' if on_call else 'off'} call from {starts} to {ends}"

    def load_rota(self, path: Path) -> str:
        """Replace all shifts with those in a TOML file: [[shift]] staff, day, start, end."""
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        with self._unit_of_work() as uow:
            uow.rota.clear()
            for entry in data.get("shift", []):
                member = self._member(uow, str(entry["staff"]))
                shift = Shift(
                    member.id, _weekday(str(entry["day"])), _time(entry["start"]), _time(entry["end"])
                )
                uow.rota.add_shift(shift)
            for entry in data.get("override", []):
                member = self._member(uow, str(entry["staff"]))
                uow.rota.add_override(_override(member.id, entry))
            uow.commit()
        return f"loaded {len(data.get('shift', []))} shifts and {len(data.get('override', []))} overrides"

    def show_rota(self) -> list[str]:
        with self._unit_of_work() as uow:
            names = {member.id: member.name for member in uow.staff.all()}
            shifts = sorted(uow.rota.shifts(), key=lambda s: (s.weekday, s.start))
            rows = [
                f"{WEEKDAYS[s.weekday]} {s.start:%H:%M}-{s.end:%H:%M} {names.get(s.staff_id, '?')}"
                for s in shifts
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


def _override(staff_id: int, entry: dict[str, Any]) -> Override:
    return Override(
        staff_id, _moment(str(entry["from"])), _moment(str(entry["to"])), bool(entry.get("on_call", True))
    )
