"""Named crash points, so the crash-safety tests can SIGKILL a real import or re-index
at an exact step instead of at a lucky moment.

Inert unless ``OVERSTAP_CRASH_AT`` names the point; the check is one dictionary look-up.
"""

import os
import signal

CRASH_AT = "OVERSTAP_CRASH_AT"


def crash_point(name: str) -> None:
    """Kill this process, as a power cut or the OOM killer would, when asked to here."""
    if os.environ.get(CRASH_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
