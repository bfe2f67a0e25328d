"""cobrand: co-branded partner microsites and PDF kits from one content repository."""

from __future__ import annotations

from .build import build, load_and_check
from .errors import BuildLockedError, CobrandError, Problem, ProjectError, UsageError
from .report import BuildReport, PartnerResult
from .version import __version__

__all__ = [
    "BuildLockedError",
    "BuildReport",
    "CobrandError",
    "PartnerResult",
    "Problem",
    "ProjectError",
    "UsageError",
    "__version__",
    "build",
    "load_and_check",
]
