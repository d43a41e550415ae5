"""Conversations used by tests and benchmarks alike (benchmarks import this module too)."""

from __future__ import annotations

# Twenty messages through consent, a grounding and a breathing exercise and the goodbye: most of
# them set off a transition, and several of those a second one from the new state's entry.
TYPICAL_CONVERSATION = (
    "/start",
    "I agree, let's start",
    "United Kingdom",
    "I feel overwhelmed and anxious about work",
    "7",
    "Grounding: come back to the here and now",
    "5-4-3-2-1 with my senses",
    "a lamp, a cup, a window, a door, a book",
    "my jumper",
    "the fridge humming",
    "coffee",
    "mint",
    "A bit better",
    "Slow breathing",
    "Box breathing (4-4-4-4)",
    "I'm ready",
    "That's enough for now",
    "About the same",
    "I'm done for now",
    "5",
)
