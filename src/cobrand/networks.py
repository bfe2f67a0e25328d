"""The social networks a social post is written for, and each network's rules, in one table.

Every rule cobrand follows for a network is here: how long a post may be and how the network counts
it, the size of the co-branded image, the share dialog a partner's page links to, how a post's
parts are joined when published. Validation, the images, the share links, the kit's copy file and
the scheduler CSVs all read :data:`NETWORKS`, in its order; a social post's front matter has one
variant per network (``models.VariantsFile``, checked against this table by the tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import quote, urlencode

_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Network:
    """One social network's rules."""

    name: str  # the variant's key in front matter; also in file names (images, scheduler CSVs) and utm_source
    label: str  # as people write it
    limit: int  # characters a post may have
    image_size: tuple[int, int]  # the co-branded image, width x height in pixels
    share_dialog: str  # the network's share URL, before its query
    share_query: tuple[tuple[str, str], ...]  # query parameter -> "url" or "text": what the dialog is handed
    url_length: int | None = None  # every URL counts this many characters; None: URLs count as written
    hook: int | None = None  # characters of the first line shown before "see more"; None: no such fold
    separator: str = "\n\n"  # between the text, the link and the hashtags of a published post

    def length(self, text: str) -> int:
        """The length of ``text`` as the network counts it against :attr:`limit`."""
        if self.url_length is None:
            return len(text)
        return len(_URL.sub("x" * self.url_length, text))

    def share_link(self, url: str, text: str) -> str:
        """The network's own share dialog for ``url``, with ``text`` where the network takes prefilled text."""
        values = {"url": url, "text": text}
        return self.share_dialog + "?" + urlencode([(key, values[what]) for key, what in self.share_query],
                                                   quote_via=quote)


# Limits, sizes and dialogs as each network documents them: LinkedIn's 3,000-character post and
# 1200x627 link image, X's 280 characters with every link shortened to 23 by t.co and its 16:9
# image, Facebook's 63,206-character post and square feed image.
NETWORKS: tuple[Network, ...] = (
    Network("linkedin", "LinkedIn", limit=3000, image_size=(1200, 627), hook=140,
            share_dialog="https://www.linkedin.com/sharing/share-offsite/", share_query=(("url", "url"),)),
    Network("x", "X", limit=280, image_size=(1600, 900), url_length=23, separator="\n",
            share_dialog="https://x.com/intent/post", share_query=(("text", "text"), ("url", "url"))),
    Network("facebook", "Facebook", limit=63206, image_size=(1080, 1080),
            share_dialog="https://www.facebook.com/sharer/sharer.php", share_query=(("u", "url"),)),
)
BY_NAME: MappingProxyType[str, Network] = MappingProxyType({network.name: network for network in NETWORKS})
