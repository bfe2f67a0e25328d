"""The plugin API, in one place for plugin authors: the :class:`Plugin` base class and the event of each
hook, in pipeline order (docs/plugins.md documents each).

A plugin is a class (usually a subclass of :class:`Plugin`) published under the entry-point group
``cobrand.plugins`` and enabled by name in ``cobrand.toml`` (``[plugins] enabled``). Plugins run with the
vendor's trust, like its theme: they are code the vendor installed, never partner input.

This module only gathers names: each stage calls its hooks with events defined where the stage can
import them, so that no stage imports a later one (hooks.py below every stage: the base class, the
events of loading and rendering items and pages; render/outputs.py: output providers; report.py: the
build's report). It sits on top of the package and nothing in cobrand imports it.
"""

from __future__ import annotations

from .hooks import ENTRY_POINT_GROUP, AfterLoad, ItemEvent, PageEvent, Plugin, PluginError
from .kinds import Kind
from .models import EnabledPlugin
from .render.outputs import OutputProvider, OutputRequest
from .report import AfterBuild

__all__ = [
    "ENTRY_POINT_GROUP",
    "AfterBuild",
    "AfterLoad",
    "EnabledPlugin",
    "ItemEvent",
    "Kind",
    "OutputProvider",
    "OutputRequest",
    "PageEvent",
    "Plugin",
    "PluginError",
]
