"""report.json's layout: every top-level key on a line, every entry of a list or object on one line of its
own, and exactly the JSON of the report's data (json reads back what was written)."""

from __future__ import annotations

import json

from cobrand.report import report_json

DATA: dict[str, object] = {
    "ok": True,
    "project": "/tmp/プロジェクト \"quoted\" \\ back",
    "only": None,
    "counts": {"partners_built": 2, "files": 45},
    "partners": [
        {"slug": "a", "status": "built", "urls": {"added": ["https://x.example/a/é.html"], "changed": []}},
        {"slug": "b", "status": "failed", "failure": {"file": "partners/b/partner.toml", "line": 3}},
    ],
    "skipped": {},
    "warnings": [],
    "timings": {"load+validate": 0.125, "render+write": 1.5},
}


def test_the_report_reads_back_as_the_same_data() -> None:
    text = report_json(DATA)
    assert json.loads(text) == DATA
    assert text.endswith("}\n") and "\\u" not in text  # non-ASCII is written as itself, as before


def test_each_partner_and_each_timing_is_one_line() -> None:
    lines = report_json(DATA).splitlines()
    partner_lines = [line for line in lines if line.lstrip().startswith('{"slug"')]
    assert len(partner_lines) == 2
    assert [json.loads(line.strip().rstrip(","))["slug"] for line in partner_lines] == ["a", "b"]
    assert '    "load+validate": 0.125,' in lines and '    "render+write": 1.5' in lines
    assert '  "skipped": {},' in lines and '  "warnings": [],' in lines and '  "ok": true,' in lines
