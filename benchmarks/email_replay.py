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

    def replay(with_memo: bool) -> float:
        memo = BlockMemo() if with_memo else None
        for renderer in renderers:
            renderer.memo, renderer.verify = memo, False
            renderer._bodies.clear()
            renderer._contexts.clear()
        parts.clear()
        start = time.process_time()
        for method, renderer, call, made in calls:
            if not with_memo:
                renderer._contexts.clear()
            assert method(renderer, *call) == made, "a replayed e-mail differs from the build's"
        return 1000 * (time.process_time() - start) / posts

    patches = [(renderer_class, "_inline", "css-inline"), (newsletter, "email_body", "body made e-mail-safe (lxml)"),
               (renderer_class, "_make_context", "context"), (newsletter, "html_to_text", "plain-text layout"),
               (jinja2.Template, "render", "Jinja2")]
    originals = [getattr(owner, name) for owner, name, _ in patches]
    for owner, name, label in patches:
        setattr(owner, name, timed(label, getattr(owner, name)))
    results: dict[bool, list[float]] = {False: [], True: []}
    for round_number in range(args.rounds):
        for with_memo in ((False, True) if round_number % 2 == 0 else (True, False)):
            results[with_memo].append(replay(with_memo))
    replay(True)
    for (owner, name, _), original in zip(patches, originals, strict=True):
        setattr(owner, name, original)
    print(f"{posts:,} posts' e-mails, {args.partners} x {args.items}, {args.rounds} replays each way, CPU per post:")
    for with_memo, label in ((False, "without the memo, context per file"), (True, "with the memo, context per post")):
        runs = results[with_memo]
        print(f"  {label}: median {statistics.median(runs):.3f} ms (runs {', '.join(f'{x:.3f}' for x in runs)})")
    print("  parts (the last replay, with the memo): "
          + ", ".join(f"{name} {1000 * seconds / posts:.3f} ms" for name, seconds in parts.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
