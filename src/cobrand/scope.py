"""Which unit owns a problem: a partner, a content item, or the whole project.

A build skips a partner whose folder has an error, withholds a content item
whose file has one, and stops only for the project's own files (issue 20). A
problem made where its owner is known carries its scope already (a vendor post
made too long by a partner's name belongs to that partner); any other is
placed by the file it names, which is always relative to the project root.
"""

from __future__ import annotations

import dataclasses
import re

from .errors import Problem

PROJECT = "project"
PARTNER = "partner:"
CONTENT = "content:"

# content/<kind>/<slug>[.<lang>].<suffix>: a translation belongs to its original item. Any kind's folder
# (plugins add kinds, kinds.py); only kinds' folders are read, and assets/ holds none.
_CONTENT_FILE = re.compile(r"^content/(?!assets/)(?P<kind>[a-z][a-z0-9]*(?:-[a-z0-9]+)*)/"
                           r"(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)(?:\.[a-z]{2,3})?\.(?:md|ya?ml)$")
_PARTNER_FILE = re.compile(r"^partners/(?P<slug>[^/]+)(?:/|$)")


def partner_scope(slug: str) -> str:
    """The scope of a problem owned by partner ``slug``."""
    return PARTNER + slug


def content_scope(key: str) -> str:
    """The scope of a problem owned by the content item ``key`` (``kind/slug``)."""
    return CONTENT + key


def scope_of_file(file: str) -> str:
    """The unit a file belongs to: a partner's folder, a content document, or the project.

    Anything else, shared content assets included, is the project's: a missing
    shared image is no one item's fault, and failing closed stops the build.
    """
    if match := _PARTNER_FILE.match(file):
        return partner_scope(match.group("slug"))
    if match := _CONTENT_FILE.match(file):
        return content_scope(f"{match.group('kind')}/{match.group('slug')}")
    return PROJECT


def scoped(problem: Problem) -> Problem:
    """``problem`` with its scope set: its own when it has one, else its file's."""
    if problem.scope is not None:
        return problem
    return dataclasses.replace(problem, scope=scope_of_file(problem.file))


def partner_of(problem: Problem) -> str | None:
    """The slug of the partner that owns ``problem``, if a partner does."""
    scope = scoped(problem).scope or ""
    return scope.removeprefix(PARTNER) if scope.startswith(PARTNER) else None


def content_of(problem: Problem) -> str | None:
    """The ``kind/slug`` of the content item that owns ``problem``, if one does."""
    scope = scoped(problem).scope or ""
    return scope.removeprefix(CONTENT) if scope.startswith(CONTENT) else None
