"""What tagging the languages of a PDF's parts costs: cobrand's finisher with and without it, per PDF.

    .venv/bin/python benchmarks/pdf_languages.py [--rounds 5] [--partners falkenstein-systeme,sakura-systems]

The example project's one-pager PDFs of the given partners (de-DE and ja-JP by default: their English
originals are the documents that get repainted) are made once through cobrand's PDF jobs, recording the
arguments cobrand gives WeasyPrint (print HTML, base URL, fetcher, write_pdf options). Then one warm
process renders each document two ways, alternating which goes first document by document and round
by round: with cobrand's finisher (render/pdf_tags.complete_structure: table header scopes and the
languages) and with the table header scopes alone. Prints the median over rounds of the mean seconds per
PDF of each way, the median of the per-round ratios, and how many documents the languages changed at
all (a document in one language is not repainted and comes out the same both ways).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Measure and print the per-PDF cost of the language tagging on the example project."""
    import weasyprint

    from cobrand.build import load_and_check
    from cobrand.plan import plan_partner
    from cobrand.render.partner import PartnerRenderer
    from cobrand.render.pdf_tags import complete_structure, table_header_scopes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--partners", default="falkenstein-systeme,sakura-systems")
    args = parser.parse_args()
    wanted = args.partners.split(",")

    project, _ = load_and_check(str(ROOT))
    renderer = PartnerRenderer(project, pdfs=True, images=False)
    jobs = [job for partner in project.partners if partner.slug in wanted
            for job in renderer.jobs(partner, plan_partner(project, partner))
            if job.path.endswith(".pdf") and not job.path.startswith("hub:")]  # the hub's kit copies them
    calls: list[tuple[dict[str, Any], dict[str, Any]]] = []
    real_init, real_write = weasyprint.HTML.__init__, weasyprint.HTML.write_pdf

    def spy_init(self: Any, *positional: Any, **keywords: Any) -> None:
        calls.append((keywords, {}))
        real_init(self, *positional, **keywords)

    def spy_write(self: Any, *positional: Any, **keywords: Any) -> Any:
        calls[-1][1].update(keywords)
        return real_write(self, *positional, **keywords)

    weasyprint.HTML.__init__ = spy_init  # a recording of cobrand's calls, in this benchmark only
    weasyprint.HTML.write_pdf = spy_write
    try:
        for job in jobs:
            job.make(lambda path: b"")
    finally:
        weasyprint.HTML.__init__ = real_init
        weasyprint.HTML.write_pdf = real_write
    assert len(calls) == len(jobs) and all(options.get("finisher") is complete_structure for _, options in calls)

    def render(index: int, finisher: Any) -> bytes:
        document, options = calls[index]
        return bytes(weasyprint.HTML(**document).write_pdf(**(options | {"finisher": finisher})))

    ways = {"with languages": complete_structure, "scopes only": table_header_scopes}
    repainted = sum(render(index, complete_structure) != render(index, table_header_scopes)
                    for index in range(len(calls)))  # also the warm-up
    # Wall seconds, and this process's CPU seconds (less moved by other processes on a busy machine).
    per_pdf: dict[tuple[str, str], list[float]] = {(name, clock): [] for name in ways for clock in ("wall", "cpu")}
    for round_number in range(args.rounds):
        spent = dict.fromkeys(per_pdf, 0.0)
        for index in range(len(calls)):
            order = list(ways) if (index + round_number) % 2 == 0 else list(reversed(ways))
            for name in order:
                wall, cpu = time.perf_counter(), time.process_time()
                render(index, ways[name])
                spent[name, "wall"] += time.perf_counter() - wall
                spent[name, "cpu"] += time.process_time() - cpu
        for key in per_pdf:
            per_pdf[key].append(spent[key] / len(calls))
    print(f"{len(calls)} PDFs of {', '.join(wanted)}, {repainted} with text in another language; "
          f"{args.rounds} rounds, WeasyPrint {weasyprint.__version__}")
    for clock in ("wall", "cpu"):
        for name in ways:
            values = per_pdf[name, clock]
            print(f"  {clock:4} {name:15} median {statistics.median(values):.3f} s per PDF "
                  f"(rounds: {', '.join(f'{value:.3f}' for value in values)})")
        ratios = [a / b for a, b in zip(per_pdf["with languages", clock], per_pdf["scopes only", clock],
                                        strict=True)]
        print(f"  {clock:4} ratio with/without: median {statistics.median(ratios):.3f} "
              f"(min {min(ratios):.3f}, max {max(ratios):.3f})")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
