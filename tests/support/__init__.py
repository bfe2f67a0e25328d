"""Helpers shared by the tests in tests/unit, tests/build and tests/browser (imported as ``support.<module>``).

- ``example``: the example project (where it is, copying it, an independent reading of its content).
- ``generated_project`` / ``awkward_project``: generated projects (many partners; right to left, CJK, awkward colours).
- ``http_server``: the one local HTTP server the tests use (no test starts its own).
- ``pdf_structure``: a tagged PDF read back (pikepdf, pdfium): each piece of text, its structure element, its language.
- ``lighthouse_runner``: Lighthouse settings shared with benchmarks/lighthouse.py.
- ``toml_writer``: TOML written from data; ``scripts``: a script of scripts/ imported as a module.
- ``hostile``, ``newsletter``, ``raw_html``: the projects a build test file and its browser twin both use.
- ``ci_skips`` and ``markers``: pytest hooks (a skip fails under COBRAND_CI=1; the folder is the marker).
- ``data/``: schemas of the validators; ``plugins/``: a real plugin distribution installed by scripts/setup.
"""
