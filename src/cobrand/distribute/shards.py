"""``--shard auto``: which shard this job is, from the batch engine's environment.

Engines number their jobs from 0; shards are numbered K/N from 1, as ``--shard K/N``.

- any engine (a CI matrix value): ``COBRAND_SHARD=K/N``;
- Kubernetes Indexed Job: ``JOB_COMPLETION_INDEX``, the count from ``--shard-count`` or ``COBRAND_SHARD_COUNT``;
- AWS Batch array job: ``AWS_BATCH_JOB_ARRAY_INDEX``, the count from ``AWS_BATCH_JOB_ARRAY_SIZE``,
  ``--shard-count`` or ``COBRAND_SHARD_COUNT``;
- GitHub Actions matrix: ``COBRAND_SHARD_INDEX`` and ``COBRAND_SHARD_COUNT`` set from
  ``strategy.job-index`` and ``strategy.job-total`` (or ``COBRAND_SHARD`` from a matrix value).

When several engines' variables are set they must name the same shard.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import UsageError

SHARD = "COBRAND_SHARD"
INDEX = "COBRAND_SHARD_INDEX"
COUNT = "COBRAND_SHARD_COUNT"
KUBERNETES_INDEX = "JOB_COMPLETION_INDEX"
BATCH_INDEX = "AWS_BATCH_JOB_ARRAY_INDEX"
BATCH_SIZE = "AWS_BATCH_JOB_ARRAY_SIZE"


def _number(environ: Mapping[str, str], name: str) -> int:
    value = environ[name].strip()
    if not value.isdigit():
        raise UsageError(f"--shard auto: {name}={environ[name]!r} is not a whole number")
    return int(value)


def _count(environ: Mapping[str, str], count: int | None, engine: str, *own: str) -> tuple[int, str]:
    """The shard count, from ``--shard-count``, the engine's own variable or COBRAND_SHARD_COUNT."""
    if count is not None:
        return count, "--shard-count"
    for name in (*own, COUNT):
        if environ.get(name, "").strip():
            return _number(environ, name), name
    names = " or ".join((*own, COUNT))
    raise UsageError(f"--shard auto: {engine} gives this job's index; pass the number of jobs with "
                     f"--shard-count or set {names}")


def _explicit(value: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise UsageError(f"--shard auto: {SHARD}={value!r} is not K/N, for example 2/4") from None
    return index, count


def resolve_shard(environ: Mapping[str, str], count: int | None = None) -> tuple[int, int]:
    """This job's shard (K, N), 1 <= K <= N, from ``environ``; ``count`` is ``--shard-count``.

    Raises :class:`UsageError` naming the variables when none is set, one is malformed, or two disagree.
    """
    found: dict[str, tuple[int, int]] = {}
    if environ.get(SHARD, "").strip():
        found[SHARD] = _explicit(environ[SHARD].strip())
    if environ.get(INDEX, "").strip():
        total, _ = _count(environ, count, INDEX)
        found[INDEX] = (_number(environ, INDEX) + 1, total)
    if environ.get(KUBERNETES_INDEX, "").strip():
        total, _ = _count(environ, count, f"a Kubernetes Indexed Job ({KUBERNETES_INDEX})")
        found[KUBERNETES_INDEX] = (_number(environ, KUBERNETES_INDEX) + 1, total)
    if environ.get(BATCH_INDEX, "").strip():
        total, _ = _count(environ, count, f"an AWS Batch array job ({BATCH_INDEX})", BATCH_SIZE)
        found[BATCH_INDEX] = (_number(environ, BATCH_INDEX) + 1, total)
    if not found:
        raise UsageError(f"--shard auto found no shard in the environment: set {SHARD}=K/N, or run as a "
                         f"Kubernetes Indexed Job ({KUBERNETES_INDEX}), an AWS Batch array job ({BATCH_INDEX}) "
                         f"or with {INDEX} and {COUNT} (GitHub Actions: strategy.job-index and job-total)")
    shards = set(found.values())
    if len(shards) > 1:
        described = ", ".join(f"{name} says {k}/{n}" for name, (k, n) in sorted(found.items()))
        raise UsageError(f"--shard auto: the environment names different shards ({described})")
    index, total = shards.pop()
    if not 1 <= index <= total:
        source = next(iter(found))
        raise UsageError(f"--shard auto: {source} gives shard {index}/{total}, outside 1..{total}")
    return index, total
