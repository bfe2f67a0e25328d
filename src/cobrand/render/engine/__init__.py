"""The page engine: how a page's template becomes its HTML, behind one interface.

Two renderers do it. The full renderer runs the page's Jinja2 template. The
fast renderer fills a compiled skeleton of the page (skeleton.py, slots.py),
which copies one of Jinja2's code-generator methods and runs generated code:
it is checked against the full renderer the first time each skeleton serves
another partner, and a ``verify`` mode renders every page both ways and
fails on the first difference. Choose with ``COBRAND_RENDER=full|fast|verify``
or ``build(render=...)``; ``fast`` is the default.

Both record what the template read (reads.py), which keys the page. The
renderers and the switch are in renderers.py.
"""
