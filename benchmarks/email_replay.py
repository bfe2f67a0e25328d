#!/usr/bin/env python3
"""What newsletter e-mails cost per post, without a profiler: a build's e-mail calls recorded, then replayed.

    .venv/bin/python benchmarks/email_replay.py --partners 100 --items 50 --rounds 6

Builds the generated project once (jobs=1, no PDFs or images) while recording every call the
build makes to ``NewsletterRenderer.html`` and ``.text`` (render/newsletter.py), with the
partner's views as the build made them. Then, in the same process, replays all of them
``--rounds`` times each way, alternating which goes first: with the plain-text block memo and the
context shared by a post's two files (as a build makes them), and without (no memo, the context
made for each file, as before 32b8d88). Every replay's bytes must equal the build's. Prints the
median CPU per post (HTML + text, ``time.process_time``), and the parts of the last replay with
the memo: Jinja2, css-inline, the plain-text layout, the lxml body pass, the context.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=100)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    run.ensure_interpreter()
    import jinja2

    import cobrand
    import cobrand.render.newsletter as newsletter
    from cobrand.render.email_skeleton import EmailSkeletons
    from cobrand.render.plaintext import BlockMemo

    folder, _ = run.prepare(f"p{args.partners}x{args.items}", args.partners, args.items)
    renderer_class = newsletter.NewsletterRenderer
    html, text = renderer_class.html, renderer_class.text
    calls: list[tuple[Callable[..., bytes], Any, tuple[Any, ...], bytes]] = []

    def recorder(method: Callable[..., bytes]) -> Callable[..., bytes]:
        def record(self: Any, *call: Any) -> bytes:
            made = method(self, *call)
            calls.append((method, self, call, made))
            return made
        return record

    out = folder / "email-replay-out"
    for path in (out, out.with_name(out.name + "-hub"), out.with_name(out.name + "-cache")):
        shutil.rmtree(path, ignore_errors=True)
    renderer_class.html, renderer_class.text = recorder(html), recorder(text)  # type: ignore[method-assign]
    try:
        cobrand.build(folder / "project", out_dir=out, cache_dir=out.with_name(out.name + "-cache"), jobs=1,
                      pdfs=False, images=False)
    finally:
        renderer_class.html, renderer_class.text = html, text  # type: ignore[method-assign]
        for path in (out, out.with_name(out.name + "-hub"), out.with_name(out.name + "-cache")):
            shutil.rmtree(path, ignore_errors=True)
    renderers = list({id(call[1]): call[1] for call in calls}.values())
    posts = len(calls) // 2

    parts: collections.Counter[str] = collections.Counter()

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def measured(*call: Any, **named: Any) -> Any:
            start = time.process_time()
            try:
                return function(*call, **named)
            finally:
                parts[name] += time.process_time() - start
        return measured

    ways = ("full", "memo", "skeletons")
    stores: dict[str, Any] = {}

    def replay(way: str) -> float:
        memo = None if way == "full" else BlockMemo()
        store = EmailSkeletons() if way == "skeletons" else None
        stores[way] = store
        for renderer in renderers:
            renderer.memo, renderer.verify, renderer.skeletons = memo, False, store
            renderer._bodies.clear()
            renderer._contexts.clear()
            renderer._fragments.clear()
        parts.clear()
        start = time.process_time()
        for method, renderer, call, made in calls:
            if way == "full":
                renderer._contexts.clear()
            assert method(renderer, *call) == made, f"a replayed e-mail differs from the build's ({way})"
        return 1000 * (time.process_time() - start) / posts

    patches = [(renderer_class, "_inline", "css-inline"), (newsletter, "email_body", "body made e-mail-safe (lxml)"),
               (renderer_class, "_make_context", "context"), (newsletter, "html_to_text", "plain-text layout"),
               (jinja2.Template, "render", "Jinja2"), (EmailSkeletons, "make", "making skeletons (all of it)")]
    originals = [getattr(owner, name) for owner, name, _ in patches]
    results: dict[str, list[float]] = {way: [] for way in ways}
    for round_number in range(args.rounds):
        shift = round_number % len(ways)
        for way in ways[shift:] + ways[:shift]:
            results[way].append(replay(way))
    for owner, name, label in patches:
        setattr(owner, name, timed(label, getattr(owner, name)))
    last_parts = {}
    for way in ways:
        replay(way)
        last_parts[way] = dict(parts)
    for (owner, name, _), original in zip(patches, originals, strict=True):
        setattr(owner, name, original)
    print(f"{posts:,} posts' e-mails, {args.partners} x {args.items}, {args.rounds} replays each way, CPU per post:")
    for way in ways:
        runs = results[way]
        print(f"  {way}: median {statistics.median(runs):.3f} ms (runs {', '.join(f'{x:.3f}' for x in runs)})")
    for way in ways:
        print(f"  parts ({way}, a replay timed by parts): " + ", ".join(
            f"{name} {1000 * seconds / posts:.3f} ms"
            for name, seconds in sorted(last_parts[way].items(), key=lambda pair: -pair[1])))
    store = stores["skeletons"]
    print(f"  skeletons: {store.counts} in {sum(len(shapes) for shapes in store.shapes.values())} kept shapes, "
          f"exact values learned: {sorted('/'.join(path) for paths in store.exact.values() for path in paths)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
