"""The conversation rulebook, declared as data: its states and the transitions between them.

Each thread's machine is built from these lists (see `flows.engine`) and serves every conversation.
State names are a public interface (tools and tests outside the project rely on them): add new ones,
never rename.
"""

from __future__ import annotations

from typing import Final

STATES: Final = [
    "consent",
    "checkin",
    "menu",
    "grounding",
    "breathing",
    "coping",
    "learn",
    "resources",
    "closing",
    "ended",
    "screening",
    "waiting_for_staff",
    "with_staff",
    "safety_plan",
    "goals",
    "followup",
]

# Once a person has agreed, the menu, the crisis lines and a fresh check-in are reachable from
# anywhere: listed explicitly rather than with a wildcard, so a new state opts in on purpose.
AFTER_CONSENT: Final = [state for state in STATES if state != "consent"]
EXERCISES: Final = ["grounding", "breathing", "coping", "learn", "resources"]

TRANSITIONS: Final[list[dict[str, str | list[str]]]] = [
    {"trigger": "agree", "source": "consent", "dest": "checkin"},
    {"trigger": "decline", "source": "consent", "dest": "ended"},
    {"trigger": "to_menu", "source": AFTER_CONSENT, "dest": "menu"},
    {"trigger": "ground", "source": ["menu", "screening", "waiting_for_staff"], "dest": "grounding"},
    {"trigger": "breathe", "source": ["menu", "waiting_for_staff"], "dest": "breathing"},
    {"trigger": "cope", "source": "menu", "dest": "coping"},
    {"trigger": "study", "source": "menu", "dest": "learn"},
    {"trigger": "find_help", "source": AFTER_CONSENT, "dest": "resources"},
    {"trigger": "close", "source": ["menu", *EXERCISES], "dest": "closing"},
    {"trigger": "finish", "source": "closing", "dest": "ended"},
    {"trigger": "check_in", "source": ["ended", "menu"], "dest": "checkin"},
    {"trigger": "screen", "source": AFTER_CONSENT, "dest": "screening"},
    {"trigger": "wait", "source": AFTER_CONSENT, "dest": "waiting_for_staff"},
    {"trigger": "join", "source": AFTER_CONSENT, "dest": "with_staff"},
    {"trigger": "make_plan", "source": AFTER_CONSENT, "dest": "safety_plan"},
    {"trigger": "set_goal", "source": ["menu", "waiting_for_staff", "ended"], "dest": "goals"},
    {"trigger": "follow_up", "source": AFTER_CONSENT, "dest": "followup"},
    {"trigger": "reset", "source": STATES, "dest": "consent"},
]

# What each menu option sets off: the option id on the left, the trigger on the right.
MENU_TRIGGERS: Final = {
    "grounding": "ground",
    "breathing": "breathe",
    "coping": "cope",
    "learn": "study",
    "resources": "find_help",
    "plan": "make_plan",
    "goal": "set_goal",
    "done": "close",
}
