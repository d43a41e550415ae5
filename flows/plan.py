"""The safety plan as data, and how it is shown: sections for a phone, safe to read back.

Steps follow the Stanley-Brown safety plan. The person's entries are shown back to them, except an
entry that reads as a method or a means of harm, which is shown only as noted: safe messaging never
repeats a method, even the person's own words.
"""

from __future__ import annotations

from typing import Any

from flows.content import Content
from flows.crisis_lines import lines_for
from flows.risk import RiskContext, RiskLevel, assess

STEPS = (
    "warning_signs",
    "coping_alone",
    "distractions",
    "people_to_ask",
    "professionals",
    "safer_surroundings",
    "reasons",
)
MAX_ITEMS = 10
MAX_ITEM_LENGTH = 200


def plan_of(profile: dict[str, Any]) -> dict[str, list[str]]:
    plan: dict[str, list[str]] = profile.setdefault("plan", {})
    return plan


def has_plan(profile: dict[str, Any]) -> bool:
    return any(profile.get("plan", {}).values())


def add_items(profile: dict[str, Any], step: str, text: str) -> int:
    """Add the person's answer to a step (commas and new lines separate items); return how many."""
    items = [part.strip()[:MAX_ITEM_LENGTH] for part in text.replace("\n", ",").split(",") if part.strip()]
    entries = plan_of(profile).setdefault(step, [])
    room = MAX_ITEMS - len(entries)
    entries.extend(items[:room])
    return len(items[:room])


def prefill_professionals(profile: dict[str, Any], country: str | None) -> None:
    """Start step 5 with the country's crisis lines and emergency number, which the person can edit."""
    entries = plan_of(profile).setdefault("professionals", [])
    if entries:
        return
    lines = lines_for(country)
    entries.append(f"Emergency: {lines.emergency}")
    entries.extend(f"{line.name}: {line.call or line.text or line.chat}" for line in lines.lines[:2])


def render_plan(profile: dict[str, Any], content: Content) -> str:
    """The whole plan, one section per step, for a phone screen or a file to keep."""
    plan = profile.get("plan", {})
    sections = [content.text("plan.heading")]
    for number, step in enumerate(STEPS, start=1):
        items = [shown(item) for item in plan.get(step, [])] or [content.text("plan.empty_step")]
        title = content.text(f"plan.steps.{step}.title")
        sections.append(f"{number}. {title}\n" + "\n".join(f"  • {item}" for item in items))
    return "\n\n".join(sections)


def render_step(profile: dict[str, Any], step: str, content: Content) -> str:
    items = profile.get("plan", {}).get(step, [])
    if not items:
        return ""
    return content.text("plan.so_far") + "\n" + "\n".join(f"  • {shown(item)}" for item in items)


def shown(item: str) -> str:
    """An entry as it may be read back: one that names a method or means is only marked as noted."""
    found = assess(item, RiskContext("safety_plan", "review"))
    if found.level >= RiskLevel.MODERATE or "means" in found.signals:
        return "✓ (noted)"
    return item
