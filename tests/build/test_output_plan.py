"""The output plan (render/output_plan.py) decides what a partner gets before any job is made, and the
providers (render/providers/) make exactly that: the views link to what the jobs make, and are read-only."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Mapping
from types import MappingProxyType

import pytest

from cobrand.build import load_and_check
from cobrand.jobs import HUB, hub_path
from cobrand.plan import Planner
from cobrand.program import hub_view
from cobrand.render.hub import hub_views
from cobrand.render.output_plan import OutputOptions, OutputPlan
from cobrand.render.partner import PartnerRenderer
from support.example import ENVIRON, ROOT


@pytest.fixture(scope="module")
def example():
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    return project


def test_the_kit_zip_holds_exactly_the_kit_files_the_output_plan_lists(example):
    renderer = PartnerRenderer(example, pdfs=False, images=True)
    partner = next(partner for partner in example.partners if renderer.planner.plan(partner).social)
    plan = renderer.planner.plan(partner)
    outputs = renderer.outputs(plan)
    made = {output.path: output.data for output in renderer.render(partner)}
    kit = sorted(path[len(HUB):] for path in made if path.startswith(hub_path("kit/")))
    assert outputs.kit_zip is not None and outputs.kit_zip in kit
    assert sorted(outputs.kit_files) == [path for path in kit if path != outputs.kit_zip]
    with zipfile.ZipFile(io.BytesIO(made[hub_path(outputs.kit_zip)])) as archive:
        names = sorted(name.split("/", 1)[1] for name in archive.namelist())
    assert names == [path.removeprefix("kit/") for path in outputs.kit_files]
    # Every generated image a page or view names is one of the partner's files.
    for key, by_network in outputs.social_images.items():
        assert all(hub_path(path) in made for path in by_network.values()), key
    assert set(outputs.og_images.values()) <= set(made)


def test_views_are_built_from_the_output_plan_and_are_read_only(example):
    renderer = PartnerRenderer(example, pdfs=False, images=True)
    partner = example.partners[0]
    jobs = renderer.jobs(partner)
    page = next(job for job in jobs if job.path == "index.html")
    views = page.make.args[1]  # the pages' PartnerViews, as the provider hands them to the renderer
    outputs = renderer.outputs(renderer.planner.plan(partner))
    assert views.common["kit_zip"] == outputs.kit_zip
    assert views.common["partner"]["logo_files"] == outputs.logo_files
    assert views.common["og_image"] == outputs.og_home
    with pytest.raises(TypeError):
        views.common["kit_zip"] = None  # type: ignore[index]
    made = {job.path for job in jobs}
    for key, path in outputs.og_images.items():
        assert views.items[key]["og_image"] == path and path in made


def _mutable_parts(value, where="views"):
    """Where inside ``value`` a dict, list or set could be changed in place."""
    if isinstance(value, (dict, list, set)):
        yield where
    if isinstance(value, (Mapping, dict)):
        for key, item in value.items():
            yield from _mutable_parts(item, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _mutable_parts(item, f"{where}[{index}]")


def test_every_view_is_read_only_all_the_way_down(example):
    """No output can change what another output of the partner reads: the site's and the hub's views, and
    every item view inside them, hold no dict, list or set, however deep."""
    renderer = PartnerRenderer(example, pdfs=False, images=True)
    checked = 0
    for partner in example.partners:
        plan = renderer.planner.plan(partner)
        page = next(job for job in renderer.jobs(partner, plan) if job.path == "index.html")
        site = page.make.args[1]
        hub = hub_views(example, plan, site, hub_view(example, plan), email=True)
        for views in (site, hub):
            assert isinstance(views.common, MappingProxyType)
            assert not [part for name, value in views.common.items() for part in _mutable_parts(value, name)]
        items = [site.items[key] for key in site.items]
        assert items and not [part for view in items for part in _mutable_parts(view)], partner.slug
        with pytest.raises(TypeError):
            site.common["partner"]["name"] = "someone else"
        with pytest.raises(TypeError):
            hub.common["hub"]["new"][0:0] = []
        with pytest.raises(TypeError):
            items[0]["title"] = "another title"
        checked += len(items)
    assert checked > 20


def test_a_partner_with_nothing_for_the_kit_gets_no_zip(example):
    plan = Planner(example).plan(example.partners[0])
    no_social = dataclasses.replace(plan, by_kind=tuple((kind, items) for kind, items in plan.by_kind
                                                         if kind != "social"))
    options = OutputOptions(pdfs=False, images=True, press=True, min_logo_height=24)
    outputs = OutputPlan.of(example, no_social, options)
    assert outputs.kit_files == () and outputs.kit_zip is None and not outputs.press
    assert outputs.social_csv == {} and outputs.social_posts is None
    with_pdfs = OutputPlan.of(example, no_social, dataclasses.replace(options, pdfs=True))
    pdfs = [item for item in no_social.pages if item.has_pdf]
    assert pdfs, "the example's partner gets one-pagers"
    assert with_pdfs.kit_zip is not None and with_pdfs.press
    assert {item.kit_pdf_path for item in pdfs} < set(with_pdfs.kit_files)
    assert all(with_pdfs.item_values[item.key]["thumbnail"] == with_pdfs.thumbnails[item.key] for item in pdfs)
