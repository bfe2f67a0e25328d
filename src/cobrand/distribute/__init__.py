"""Builds beyond one machine: a Dask executor, shards for batch engines, merged shard reports.

A partner's work splits in two here. Rendering is pure (:mod:`.partner_task`): from the
loaded project and what the output folder records for the partner, it makes the bytes of
every output whose inputs changed, and can run on any machine with the same Python
environment. Writing stays with the one process that owns the output folder: it applies
those bytes with the ordinary writer (atomic files, manifests, stale removal, the cache).

Nothing in this package's ``__init__`` imports Dask: :mod:`.dask_executor` does, and only
``cobrand build --dask`` imports it.
"""
