"""Output providers (:class:`OutputProvider`): each yields one partner's jobs of one output, from an
:class:`OutputRequest`.

cobrand's own (render/providers/, in the order listed there) and then plugins' go through here, one seam.
The jobs of a plugin's provider are checked before they join the partner's: a path inside the provider's
root, normalised, not another output's. A provider's errors, when its jobs are asked for or made, name the
plugin and the provider.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from ..cache import PartnerKeys
from ..hooks import PluginError, call, each
from ..jobs import BOTH_ROOTS, Job, Resolve
from ..models import EnabledPlugin, Project
from ..plan import PartnerPlan
from .context import PartnerViews
from .output_plan import OutputPlan


@dataclass(frozen=True)
class OutputRequest:
    """What an output provider gets for one partner.

    ``plan`` is what the partner is entitled to; ``views`` the template data (render/context.py);
    ``keys`` the partner's input keys (``base``: site and partner; ``listing``: and the cards of its
    items; ``with_bodies``: and its items whole; cache.py ``PartnerKeys``). A job's key must
    name every input its bytes depend on: key on ``keys.listing`` for what lists items, and so on.
    ``root`` is the folder inside the partner's output the provider writes under (``""``: the top):
    every job's path must start with it. ``pages`` are the site paths of the HTML pages under it.
    ``output_plan`` says what the partner gets besides its pages (render/output_plan.py: its PDFs, images,
    kit, social pack and e-mails, by path), decided before any job is made. ``earlier`` holds the jobs of
    the providers that ran before this one, by provider name (cobrand's own first, in the order of
    render/providers/, then plugins' in the order they are enabled): an output made from another's files
    names them there, as the kit's zip does.
    """

    project: Project
    plan: PartnerPlan
    views: PartnerViews
    keys: PartnerKeys
    output_plan: OutputPlan
    root: str = ""
    pages: tuple[str, ...] = ()
    earlier: Mapping[str, tuple[Job, ...]] = field(default_factory=lambda: MappingProxyType({}))


class OutputProvider(Protocol):
    """Makes one kind of output for each partner, as jobs (jobs.py) the writer runs when their key changed.

    A provider may also have a ``root`` attribute: the folder of the partner's output it writes under
    (``OutputRequest.root`` is then that; default ``""``, the top of the partner's site). cobrand's own
    providers whose jobs are all of one root say so in ``writes_only`` (:data:`cobrand.jobs.HUB_ROOT`).
    """

    name: str

    def jobs(self, request: OutputRequest) -> Iterable[Job]:
        """The jobs of this output for the partner of ``request``, in a stable order."""
        ...


# Each provider with the plugin it comes from, or None for cobrand's own.
Providers = tuple[tuple[EnabledPlugin | None, OutputProvider], ...]


def plugin_providers(plugins: Sequence[EnabledPlugin]) -> Providers:
    """Every enabled plugin's output providers, in the order the plugins are enabled."""
    found: list[tuple[EnabledPlugin | None, OutputProvider]] = []
    for enabled, method in each(plugins, "outputs"):
        # Listed inside the call: a hook written as a generator raises while it is iterated.
        found += [(enabled, provider) for provider in call(enabled, "outputs", lambda: list(method()))]  # noqa: B023
    return tuple(found)


def provided_jobs(providers: Providers, request: OutputRequest, taken: Iterable[str] = (),
                  roots: frozenset[str] = BOTH_ROOTS) -> list[Job]:
    """The jobs of ``providers`` for ``request``'s partner, in their order; ``taken`` are the paths other outputs
    have. Each provider's request holds the jobs of those before it (``earlier``, by provider name; a
    plugin's as ``plugin:provider``), a snapshot it cannot change. cobrand's providers that write only a root
    not in ``roots`` (their ``writes_only``) are not asked: no output of the other root reads their jobs."""
    paths: set[str] | None = None  # every path so far, made when the first plugin's jobs are checked
    jobs: list[Job] = []
    earlier: dict[str, tuple[Job, ...]] = dict(request.earlier)
    for enabled, provider in providers:
        name = getattr(provider, "name", type(provider).__name__)
        if enabled is None and getattr(provider, "writes_only", None) not in (None, *roots):
            continue
        if enabled is None:  # cobrand's own: its jobs are trusted as the renderer's are
            made = tuple(provider.jobs(_asking(request, request.root, earlier)))
            if paths is not None:
                paths.update(job.path for job in made)
            jobs += made
            earlier[name] = made
            continue
        if paths is None:
            paths = {*taken, *(job.path for job in jobs)}
        hook = f"outputs ({name})"
        # The folder of the partner's output the provider writes under: its own ``root``, else the request's.
        root = getattr(provider, "root", request.root)
        asked = _asking(request, root, earlier)
        made = tuple(call(enabled, hook, lambda: list(provider.jobs(asked))))  # noqa: B023 - called at once
        guarded = []
        for job in made:
            problem = _path_problem(job, root, paths)
            if problem is not None:
                raise PluginError(enabled.name, hook, ValueError(problem))
            paths.add(job.path)
            guarded.append(job._replace(make=_guarded(enabled, hook, job.make)))
        jobs += guarded
        earlier[f"{enabled.name}:{name}"] = tuple(guarded)
    return jobs


def _asking(request: OutputRequest, root: str, earlier: dict[str, tuple[Job, ...]]) -> OutputRequest:
    """``request`` for one provider: its root, and a read-only snapshot of the jobs made before it.

    Made field by field: ``dataclasses.replace`` costs a fifth of a partner's job planning, for a dozen
    providers."""
    return OutputRequest(request.project, request.plan, request.views, request.keys, request.output_plan, root,
                         request.pages, MappingProxyType(dict(earlier)))


def _path_problem(job: object, root: str, taken: set[str]) -> str | None:
    if not isinstance(job, Job):
        return f"yielded {type(job).__name__}, not a cobrand.jobs.Job"
    path = job.path
    if not path or posixpath.normpath(path) != path or path.startswith(("/", "../")) or "\\" in path:
        return f"job path {path!r} is not a plain relative path"
    if root and not path.startswith(root):
        return f"job path {path!r} is outside the provider's root {root!r}"
    if path in taken:
        return f"job path {path!r} is already another output's"
    if not isinstance(job.key, str) or not job.key:
        return f"job {path!r} has no key"
    return None


def _guarded(enabled: EnabledPlugin, hook: str, make: Callable[[Resolve], bytes]) -> Callable[[Resolve], bytes]:
    def guarded(resolve: Resolve) -> bytes:
        data = call(enabled, hook, lambda: make(resolve))
        if not isinstance(data, bytes):
            raise PluginError(enabled.name, hook, TypeError(f"a job made {type(data).__name__}, not bytes"))
        return data

    return guarded
