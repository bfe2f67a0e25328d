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

_HREF = re.compile(r'href="(https?://[^"]+)"')
_TEXT_URL = re.compile(r"https?://[^\s<>\"')\]]+")


@dataclass(frozen=True)
class Tracking:
    """The parameters for one partner; ``campaign`` is filled per item."""

    vendor_host: str
    source: str
    medium: str
    enabled: bool = True
    partner_site: str = ""  # the partner's own microsite (base_url): never tagged as the vendor's
    # Tagged href attributes by (escaped URL, campaign), and whether an escaped URL is the vendor's:
    # a partner's pages repeat the same links, most of them not to the vendor.
    _tracked_hrefs: dict[tuple[str, str], str] = field(default_factory=dict, init=False, compare=False,
                                                      repr=False)
    _vendor_hrefs: dict[str, bool] = field(default_factory=dict, init=False, compare=False, repr=False)

    def is_vendor(self, url: str) -> bool:
        if self.partner_site and url.startswith(self.partner_site):
            return False
        if self.vendor_host not in url.lower():  # no need to parse the URL: its host cannot be the vendor's
            return False
        host = _host(url)
        return host == self.vendor_host or host.endswith("." + self.vendor_host)

    def url(self, url: str, campaign: str) -> str:
        """``url`` with tracking parameters when it points at the vendor; otherwise unchanged."""
        if not self.enabled or not self.is_vendor(url):
            return url
        return add_parameters(url, {"utm_source": self.source, "utm_medium": self.medium,
                                    "utm_campaign": campaign})

    def html(self, document: str, campaign: str) -> str:
        """Track every vendor ``href`` in rendered HTML."""
        if not self.enabled:
            return document
        tracked, vendor = self._tracked_hrefs, self._vendor_hrefs

        def replace(match: re.Match[str]) -> str:
            escaped = match.group(1)
            is_vendor = vendor.get(escaped)
            if is_vendor is None:
                is_vendor = vendor[escaped] = self.is_vendor(html.unescape(escaped))
            if not is_vendor:
                return match.group(0)
            key = (escaped, campaign)
            found = tracked.get(key)
            if found is None:
                found = tracked[key] = f'href="{html.escape(self.url(html.unescape(escaped), campaign))}"'
            return found

        return _HREF.sub(replace, document)

    def text(self, text: str, campaign: str) -> str:
        """Track every vendor URL in plain text, such as social copy."""
        return _TEXT_URL.sub(lambda match: self.url(match.group(0), campaign), text)


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


def add_parameters(url: str, parameters: dict[str, str]) -> str:
    """Append query parameters that ``url`` does not already set."""
    split = _split(url)
    query = "&".join([part for part in (split.query, *(_parameter(key, value) for key, value in parameters.items()
                                                        if key not in split.present)) if part])
    return split.head + ("?" + query if query else "") + ("#" + split.fragment if split.fragment else "")


def share_url(page_url: str, network: str, campaign: str) -> str:
    """A partner page URL as shared on a social network, tagged with that network."""
    return add_parameters(page_url, {"utm_source": network, "utm_medium": "social", "utm_campaign": campaign})


def print_url(page_url: str, source: str, campaign: str) -> str:
    """A partner page URL as printed (QR codes), tagged as print."""
    return add_parameters(page_url, {"utm_source": source, "utm_medium": "print", "utm_campaign": campaign})
