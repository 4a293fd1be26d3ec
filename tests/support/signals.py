"""Start a child as a terminal would start a foreground command.

A shell without job control (CI scripts, ``cmd &``) starts children with SIGINT
ignored, and Python then never raises KeyboardInterrupt. Tests that press Ctrl-C
restore the default disposition in the child before it starts.
"""

from __future__ import annotations

import signal


def foreground() -> None:
    """``preexec_fn`` for subprocess: SIGINT as in an interactive terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
