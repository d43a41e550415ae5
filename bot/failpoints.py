"""Named crash points: when PFA_FAILPOINT names one, the process kills itself there, hard.

Tests use them to prove crash safety with a real SIGKILL at the moments that matter (a message
accepted, a case opened but not yet committed, a timer taken but not yet done). `name:pause=S`
instead holds the process there for S seconds, saying so on stderr, so that a test can act at that
moment (stop the process gracefully, or kill it from outside). Unset, they cost one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import sys
import time

FAILPOINT_ENV = "PFA_FAILPOINT"
PAUSE = ":pause="


def failpoint(name: str) -> None:
    wanted = os.environ.get(FAILPOINT_ENV)
    if wanted == name:
        os.kill(os.getpid(), signal.SIGKILL)
    elif wanted is not None and wanted.startswith(name + PAUSE):
        print(f"failpoint {name}: pausing", file=sys.stderr, flush=True)
        time.sleep(float(wanted.removeprefix(name + PAUSE)))
