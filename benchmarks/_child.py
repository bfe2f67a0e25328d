"""One measurement in a fresh process, driven by ``run.py``; prints one JSON object.

    python benchmarks/_child.py build '{"project": ..., "out": ..., "cache": ..., "jobs": 2, ...}'
    python benchmarks/_child.py pdfcompare '{"project": ..., "docs": 60, "rounds": 3}'

``build`` times :func:`cobrand.build` (the library API the CLI calls) and
reports its counts, its own stage timings and the process's resources.
``pdfcompare`` renders the same one-pager PDFs in one warm process three
ways, document by document: through cobrand's own PDF jobs, and with
WeasyPrint alone on the exact print HTML cobrand produced.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from typing import Any


def _resources() -> dict[str, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "maxrss_self_kb": me.ru_maxrss,
        "maxrss_children_kb": children.ru_maxrss,
        "cpu_self_s": me.ru_utime + me.ru_stime,
        "cpu_children_s": children.ru_utime + children.ru_stime,
    }


def cmd_build(args: dict[str, Any]) -> dict[str, Any]:
    start = time.perf_counter()
    import cobrand

    imported = time.perf_counter()
    only = {"only": args["only"]} if args.get("only") else {}  # a revision before --only has no such argument
    report = cobrand.build(args["project"], out_dir=args["out"], cache_dir=args.get("cache"),
                           jobs=args.get("jobs", 2), pdfs=args.get("pdfs", False), images=args.get("images", False),
                           environ=args.get("environ"), **only)
    built = time.perf_counter()
    data: dict[str, Any] = report.to_dict()
    return {
        "import_s": imported - start,
        "build_s": built - imported,
        "ok": data["ok"],
        "counts": data["counts"],
        "timings": data["timings"],
        "failures": data["failures"][:3],
        **_resources(),
    }


def cmd_pdfcompare(args: dict[str, Any]) -> dict[str, Any]:
    """Per-PDF seconds: cobrand's PDF job vs WeasyPrint alone on the same HTML, warm, interleaved.

    A first pass through cobrand's PDF jobs records, for every document, the
    arguments cobrand gives ``weasyprint.HTML`` and ``write_pdf`` (the print
    HTML, its base URL, the parsed stylesheets, font configuration, PDF
    variant, identifier), whatever they are in this version of cobrand.
    WeasyPrint alone then makes the same documents from those arguments,
    including the URL fetcher cobrand passed (it serves project files and the
    logos cobrand trimmed for that document, in memory; WeasyPrint's own
    fetcher could not load those, so the documents would differ), and once
    more with WeasyPrint's defaults and that fetcher.
    """
    import weasyprint

    from cobrand.build import load_and_check
    from cobrand.plan import plan_partner
    from cobrand.render.partner import PartnerRenderer

    project, _ = load_and_check(args["project"])
    renderer = PartnerRenderer(project, pdfs=True, images=False)
    jobs = []
    for partner in project.partners:
        plan = plan_partner(project, partner)
        jobs += [job for job in renderer.jobs(partner, plan) if job.path.endswith(".pdf")]
        if len(jobs) >= args["docs"]:
            break
    jobs = jobs[: args["docs"]]

    documents: list[dict[str, Any]] = []
    options: list[dict[str, Any]] = []
    real_init, real_write = weasyprint.HTML.__init__, weasyprint.HTML.write_pdf

    def spy_init(self: Any, *positional: Any, **keywords: Any) -> None:
        documents.append({"positional": positional, "keywords": keywords})
        real_init(self, *positional, **keywords)

    def spy_write(self: Any, *positional: Any, **keywords: Any) -> Any:
        options.append(keywords)
        return real_write(self, *positional, **keywords)

    weasyprint.HTML.__init__ = spy_init
    weasyprint.HTML.write_pdf = spy_write
    try:
        cobrand_pdfs = [job.make(lambda path: b"") for job in jobs]  # also the warm-up
    finally:
        weasyprint.HTML.__init__ = real_init
        weasyprint.HTML.write_pdf = real_write
    assert len(documents) == len(options) == len(jobs), (len(documents), len(options), len(jobs))
    inputs = [(doc["keywords"]["string"], doc["keywords"].get("base_url"), doc["keywords"].get("url_fetcher"))
              for doc in documents]

    def same_options(index: int) -> bytes:
        html, base_url, fetcher = inputs[index]
        return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(**options[index])

    def defaults(index: int) -> bytes:
        html, base_url, fetcher = inputs[index]
        return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
            stylesheets=options[index].get("stylesheets"))

    same_pdfs = [same_options(index) for index in range(len(jobs))]  # warm-up, and output check
    for index in range(min(3, len(jobs))):
        defaults(index)

    ways: dict[str, Any] = {
        "cobrand": lambda index: jobs[index].make(lambda path: b""),
        "weasyprint_same_options": same_options,
        "weasyprint_defaults": defaults,
    }
    totals: dict[str, list[float]] = {name: [] for name in ways}
    order = list(ways)
    for round_number in range(args["rounds"]):
        spent = dict.fromkeys(ways, 0.0)
        for index in range(len(jobs)):
            shift = (index + round_number) % len(order)
            for name in order[shift:] + order[:shift]:
                start = time.perf_counter()
                ways[name](index)
                spent[name] += time.perf_counter() - start
        for name in ways:
            totals[name].append(spent[name] / len(jobs))
    shown = {key: (type(value).__name__ if key in {"stylesheets", "font_config"} else value)
             for key, value in options[0].items()}
    return {
        "docs": len(jobs),
        "rounds": args["rounds"],
        "per_pdf_s": {name: statistics.median(values) for name, values in totals.items()},
        "per_pdf_runs_s": totals,
        "write_pdf_options": {key: value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
                              for key, value in shown.items()},
        "mean_bytes_cobrand": statistics.mean(len(pdf) for pdf in cobrand_pdfs),
        "mean_bytes_weasyprint": statistics.mean(len(pdf) for pdf in same_pdfs),
        "identical_bytes": sum(1 for a, b in zip(cobrand_pdfs, same_pdfs, strict=True) if a == b),
        "weasyprint_version": weasyprint.__version__,
        **_resources(),
    }


def main() -> int:
    command, raw = sys.argv[1], sys.argv[2]
    args = json.loads(raw)
    result = {"build": cmd_build, "pdfcompare": cmd_pdfcompare}[command](args)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
