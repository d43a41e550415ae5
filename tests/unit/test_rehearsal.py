"""A process rehearses a conversation at start, so the first person does not wait for what the
steps build on first use (content files read, word lists and patterns compiled)."""

from __future__ import annotations

import subprocess
import sys

# Run in a fresh interpreter: the caches of this test process were filled by other tests long ago.
FIRST_PERSON = """
from flows import content, language
from flows.conversation import Conversation
from flows.engine import Engine
from flows.events import parse_text

def misses():
    caches = (content.content_for, language._own_words)  # loaded per language, not per input
    return [cache.cache_info().misses for cache in caches]

engine = Engine()
{rehearse}
built = misses()
for user, lines in (("en", ["/start", "I agree", "United Kingdom", "awful day", "3", "/help"]),
                    ("es", ["/start", "acepto", "España", "un día horrible", "3", "/help"])):
    conversation = Conversation(user)
    for line in lines:
        conversation = engine.handle(conversation, parse_text(line)).conversation
print(misses() == built)
"""


def first_person_builds_nothing(rehearse: bool) -> bool:
    script = FIRST_PERSON.format(rehearse="engine.rehearse()" if rehearse else "")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return done.stdout.strip() == "True"


def test_after_the_rehearsal_the_first_person_in_either_language_builds_no_content_or_word_lists():
    assert first_person_builds_nothing(rehearse=True)


def test_without_it_the_first_person_would_be_the_one_who_waits():
    assert not first_person_builds_nothing(rehearse=False)
