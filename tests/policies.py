"""Escalation policies for tests that need a page whatever the hour they run at.

The default policy leaves moderate cases unpaged at night (22:00-07:00 UTC), so a test that runs real
processes on the machine's clock and expects a page would pass by day and fail by night. Tests about
something other than the night rule page around the clock; the night rule has its own tests on a
fake clock.
"""

from __future__ import annotations

from pathlib import Path

from flows.oncall.policy import Policy, default_policy_data, policy_from

AROUND_THE_CLOCK = "page_moderate_at_night = true\n"


def paging_around_the_clock() -> Policy:
    """The default policy, except that moderate cases are paged at night too."""
    return policy_from({"page_moderate_at_night": True}, base=default_policy_data())


def policy_file(folder: Path, levels: str = "") -> Path:
    """A policy file for `PFA_POLICY_FILE` that pages around the clock, with `levels` (TOML) if given."""
    path = folder / "policy.toml"
    path.write_text(AROUND_THE_CLOCK + levels, encoding="utf-8")
    return path
