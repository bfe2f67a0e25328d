"""``cobrand serve``: build, serve every partner's site locally, rebuild on change, reload the browser.

:class:`DevServer` is the library API; the CLI command is a thin layer over it.

* ``/`` lists every partner with its tier and a link to its site.
* ``/<slug>/...`` serves ``<out>/<slug>/...``; a folder serves its ``index.html``;
  a missing file serves that partner's ``404.html`` with status 404.
* ``content/``, ``partners/``, ``themes/``, ``cobrand.toml`` and the vendor logo
  are watched; a burst of saves causes one rebuild (debounced), and only one
  rebuild runs at a time.
* HTML responses get a small script injected on the fly (never into the built
  files) that listens to ``/__cobrand/events`` (server-sent events) and reloads
  the page after each rebuild.
* A broken edit never stops the server: the build keeps the last good output,
  which stays available, and every HTML page shows an overlay naming the file
  and line of each problem until a good save clears it.
* While the first build runs, a page not built yet answers 503 with a page that
  reloads when the build is done. The output is kept between starts (by default
  in the user's cache), so a later start serves the previous output at once and
  rebuilds only what changed.

The package's parts: rebuild (one build at a time, debounced), watch (which
saves matter), events (server-sent events), http (the request handler), pages
(the server's own pages, from templates/) and server (DevServer, joining them).
Nothing runs at import: the fork hook that keeps Ctrl-C from the build's
workers is registered when the first server starts.
"""

from __future__ import annotations

from .pages import PartnerEntry
from .rebuild import BuildState, describe_build, describe_changes
from .server import DevServer, default_out_dir

__all__ = ["BuildState", "DevServer", "PartnerEntry", "default_out_dir", "describe_build", "describe_changes"]
