"""Named crash points: when PFA_FAILPOINT names one, the process kills itself there, hard.

Tests use them to prove crash safety with a real SIGKILL at the moments that matter (a message
accepted, a case opened but not yet committed, a timer taken but not yet done). Unset, they cost
one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

FAILPOINT_ENV = "PFA_FAILPOINT"


def failpoint(name: str) -> None:
    if os.environ.get(FAILPOINT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
