"""Worker processes that die with the build that started them (Linux's ``PR_SET_PDEATHSIG``)."""

from __future__ import annotations

import os
import signal


def die_with_parent(parent: int) -> None:
    """Have Linux kill this process when its parent dies (``PR_SET_PDEATHSIG``).

    Worker processes otherwise outlive a build killed with SIGKILL (or by the OOM killer),
    still writing into its output folder. Elsewhere than Linux this does nothing.
    """
    import ctypes  # here: only worker processes need it

    try:
        # The process's own symbols include libc's; find_library would run ldconfig in every worker.
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
