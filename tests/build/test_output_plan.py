"""The output plan (render/output_plan.py) decides what a partner gets before any job is made, and the
providers (render/providers/) make exactly that: the views link to what the jobs make, and are read-only."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest

from cobrand.build import load_and_check
from cobrand.jobs import HUB, hub_path
from cobrand.plan import Planner
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
