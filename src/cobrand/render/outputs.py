"""Output providers (plugins.py :class:`OutputProvider`): each yields one partner's jobs of one output.

cobrand's own (the feeds, render/feeds.py) and plugins' go through here. The jobs of a plugin's provider
are checked before they join the partner's: a path inside the provider's root, normalised, not another
output's. A provider's errors, when its jobs are asked for or made, name the plugin and the provider.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable, Iterable, Sequence

from ..jobs import Job, Resolve
from ..plugins import EnabledPlugin, OutputProvider, OutputRequest, PluginError, call, each

# Each provider with the plugin it comes from, or None for cobrand's own.
Providers = tuple[tuple[EnabledPlugin | None, OutputProvider], ...]


def plugin_providers(plugins: Sequence[EnabledPlugin]) -> Providers:
    """Every enabled plugin's output providers, in the order the plugins are enabled."""
    found: list[tuple[EnabledPlugin | None, OutputProvider]] = []
    for enabled, method in each(plugins, "outputs"):
        # Listed inside the call: a hook written as a generator raises while it is iterated.
        found += [(enabled, provider) for provider in call(enabled, "outputs", lambda: list(method()))]  # noqa: B023
    return tuple(found)


def provided_jobs(providers: Providers, request: OutputRequest, taken: Iterable[str]) -> list[Job]:
    """The jobs of ``providers`` for ``request``'s partner; ``taken`` are the paths other outputs have."""
    paths = set(taken)
    jobs: list[Job] = []
    for enabled, provider in providers:
        if enabled is None:  # cobrand's own: its jobs are trusted as the renderer's are
            made = list(provider.jobs(request))
            paths.update(job.path for job in made)
            jobs += made
            continue
        hook = f"outputs ({getattr(provider, 'name', type(provider).__name__)})"
        # The folder of the partner's output the provider writes under: its own ``root``, else the request's.
        root = getattr(provider, "root", request.root)
        asked = request if root == request.root else dataclasses.replace(request, root=root)
        made = call(enabled, hook, lambda: list(provider.jobs(asked)))  # noqa: B023 - called at once
        for job in made:
            problem = _path_problem(job, root, paths)
            if problem is not None:
                raise PluginError(enabled.name, hook, ValueError(problem))
            paths.add(job.path)
            jobs.append(job._replace(make=_guarded(enabled, hook, job.make)))
    return jobs


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
