"""cobrand: co-branded partner microsites and PDF kits from one content repository."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .build import build, load_and_check
from .errors import BuildLockedError, CobrandError, Problem, ProjectError, UsageError
from .report import BuildReport, PartnerResult

try:
    __version__ = version("cobrand")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

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
