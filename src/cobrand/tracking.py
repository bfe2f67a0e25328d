"""Tracked links: UTM parameters on every link to the vendor's site.

Links to the vendor carry the partner's ``utm_source``, the configured
``utm_medium`` and the content item as ``utm_campaign``; links to the
partner's own site and to third parties are left alone. Parameters are
appended in a fixed order, and ones the author already set are kept, so the
same input always gives the same URL.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Not a canonical link: with [site] canonical = "vendor" it names the vendor's original, which must stay the
# same URL on every partner's copy (templates write it as <link rel="canonical" href="...">). The pattern
# starts with its literal and looks behind from there: one that starts with the look-behind is tried at
# every byte of the page, not only where "href" is found (as links.py's patterns do).
_HREF = re.compile(rb'href="(?<!rel="canonical" href=")(https?://[^"]+)"')
_TEXT_URL = re.compile(r"https?://[^\s<>\"')\]]+")


@dataclass(frozen=True)
class Tracking:
    """The parameters for one partner; ``campaign`` is filled per item."""

    vendor_host: str
    source: str
    medium: str
    enabled: bool = True
    partner_site: str = ""  # the partner's own microsite (base_url): never tagged as the vendor's
    # How each escaped href is tagged (see _tagged_href): a partner's pages repeat the same links,
    # most of them not to the vendor, and each page tags the vendor's with its own campaign.
    _hrefs: dict[bytes, bytes | tuple[bytes, bytes] | None] = field(default_factory=dict, init=False, compare=False,
                                                            repr=False)

    def is_vendor(self, url: str) -> bool:
        """Whether ``url`` goes to the vendor's site (or a subdomain), as a browser would resolve it.

        A URL whose authority holds a backslash or user information is never the vendor's: browsers read
        ``https://evil.example\\@vendor.example/`` as a link to evil.example, urlsplit as one to
        vendor.example, and ``https://vendor.example@evil.example/`` only looks like the vendor's.
        """
        if self.partner_site and url.startswith(self.partner_site):
            return False
        lowered = url.lower()
        if "\t" in lowered or "\r" in lowered or "\n" in lowered:  # urlsplit (and browsers) drop them first
            lowered = lowered.replace("\t", "").replace("\r", "").replace("\n", "")
        # No need to parse a URL whose host cannot be the vendor's: most do not name it at all, and
        # share links name it only in their query, as part of the partner page they share.
        if self.vendor_host not in lowered:
            return False
        authority = _authority(lowered)
        if self.vendor_host not in authority or "\\" in authority or "@" in authority:
            return False
        host = _host(url)
        return host == self.vendor_host or host.endswith("." + self.vendor_host)

    def url(self, url: str, campaign: str) -> str:
        """``url`` with tracking parameters when it points at the vendor; otherwise unchanged."""
        if not self.enabled or not self.is_vendor(url):
            return url
        return add_parameters(url, {"utm_source": self.source, "utm_medium": self.medium,
                                    "utm_campaign": campaign})

    def html(self, document: bytes, campaign: str) -> bytes:
        """Track every vendor ``href`` in rendered HTML, as UTF-8 bytes (searching bytes is faster)."""
        if not self.enabled:
            return document
        hrefs = self._hrefs
        campaign_parameter = html.escape(_parameter("utm_campaign", campaign)).encode()

        def replace(match: re.Match[bytes]) -> bytes:
            escaped = match.group(1)
            try:
                tagged = hrefs[escaped]
            except KeyError:
                tagged = hrefs[escaped] = self._tagged_href(html.unescape(escaped.decode()))
            if tagged is None:
                return match.group(0)
            if isinstance(tagged, tuple):
                return tagged[0] + campaign_parameter + tagged[1]
            return tagged

        return _HREF.sub(replace, document)

    def _tagged_href(self, url: str) -> bytes | tuple[bytes, bytes] | None:
        """The ``href`` attribute of a link to ``url`` as :meth:`url` tags it, escaped: None if it is not
        the vendor's; the two halves the campaign parameter goes between, unless the URL sets its own."""
        if not self.is_vendor(url):
            return None
        split = _split(url)
        if "utm_campaign" in split.present:  # the URL keeps its own campaign: the same href on every page
            return f'href="{html.escape(self.url(url, ""))}"'.encode()
        fixed = _query(split, {"utm_source": self.source, "utm_medium": self.medium})
        fragment = "#" + split.fragment if split.fragment else ""
        before = split.head + "?" + "".join(part + "&" for part in fixed)
        return f'href="{html.escape(before)}'.encode(), f'{html.escape(fragment)}"'.encode()

    def text(self, text: str, campaign: str) -> str:
        """Track every vendor URL in plain text, such as social copy."""
        return _TEXT_URL.sub(lambda match: self.url(match.group(0), campaign), text)


_AUTHORITY = re.compile(r"https?://([^/?#]*)")


def _authority(lowered: str) -> str:
    """The part of a lower-case http(s) URL that holds its host, as urlsplit finds it; otherwise the URL."""
    match = _AUTHORITY.match(lowered)
    return lowered if match is None else match.group(1)


def _host(url: str) -> str:
    """The host of ``url``, lower case, without "www."."""
    # Only the host: most URLs asked about are share links and page URLs seen once each.
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


@dataclass(frozen=True)
class _SplitUrl:
    """A URL taken apart once, however many pages and campaigns it is tagged for."""

    head: str  # scheme, host and path
    query: str  # the URL's own query, encoded as urlencode writes it
    present: frozenset[str]  # the parameters it sets
    fragment: str


@functools.lru_cache(maxsize=16384)  # a site links to the same few vendor pages from every page
def _split(url: str) -> _SplitUrl:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    return _SplitUrl(urlunsplit(parts._replace(path=parts.path or "/", query="", fragment="")), urlencode(query),
                     frozenset(key for key, _ in query), parts.fragment)


@functools.lru_cache(maxsize=16384)
def _parameter(key: str, value: str) -> str:
    return urlencode({key: value})


def _query(split: _SplitUrl, parameters: dict[str, str]) -> list[str]:
    """The URL's own query and the ``parameters`` it does not set, encoded, in that order."""
    return [part for part in (split.query, *(_parameter(key, value) for key, value in parameters.items()
                                             if key not in split.present)) if part]


def add_parameters(url: str, parameters: dict[str, str]) -> str:
    """Append query parameters that ``url`` does not already set."""
    split = _split(url)
    query = "&".join(_query(split, parameters))
    return split.head + ("?" + query if query else "") + ("#" + split.fragment if split.fragment else "")


def share_url(page_url: str, network: str, campaign: str) -> str:
    """A partner page URL as shared on a social network, tagged with that network."""
    return add_parameters(page_url, {"utm_source": network, "utm_medium": "social", "utm_campaign": campaign})


def print_url(page_url: str, source: str, campaign: str) -> str:
    """A partner page URL as printed (QR codes), tagged as print."""
    return add_parameters(page_url, {"utm_source": source, "utm_medium": "print", "utm_campaign": campaign})


def email_url(url: str, source: str, campaign: str) -> str:
    """A link in a partner's newsletter e-mail (any site: the partner's, the vendor's, a third party's),
    tagged as e-mail so that both the partner's and the vendor's analytics see where visits came from."""
    return add_parameters(url, {"utm_source": source, "utm_medium": "email", "utm_campaign": campaign})
