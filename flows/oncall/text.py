"""What staff read: every text of the desk comes from the content files, by key."""

from __future__ import annotations

from flows.content import content_for

# Staff read English for now: one place to change when a team works in another language.
STAFF_LANGUAGE = "en"


def staff_text(key: str, **values: object) -> str:
    """The staff text under `staff.<key>`, with its placeholders filled."""
    return content_for(STAFF_LANGUAGE).text(f"staff.{key}", **values)
