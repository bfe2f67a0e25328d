"""Partner SVG rebuilt from an allowlist: what is published is a new document, never the partner's bytes.

The file is parsed with lxml hardened (no DTD loaded or validated, no entity
resolved, no network, no huge trees); a document with a DTD or entities is
refused. A new document is then built holding only:

* SVG elements on :data:`ELEMENTS`: DOMPurify's ``svg`` and ``svgFilters``
  profiles (src/tags.ts) minus everything that can load, link, animate or
  carry foreign markup (``a``, ``image``, ``feImage``, ``style``,
  ``metadata``, the animation elements, the SVG-font elements, ``tref``,
  ``mpath``, ``view``), plus ``use`` (which DOMPurify leaves out) limited
  to same-document references and counted for fan-out;
* attributes on :data:`ATTRIBUTES` and :data:`PROPERTIES` (DOMPurify's
  src/attrs.ts ``svg`` list minus animation timing, SVG fonts, ``class``,
  ``tabindex``, ``color-profile``), each value parsed and re-emitted from
  what was parsed: numbers, lengths, colours, keywords, path data,
  transforms, and ``url(#id)`` / ``href="#id"`` to ids of this document;
* CSS from ``style`` attributes and from simple ``<style>`` rules
  (``.class``, ``#id``, ``element``, ``element.class``), applied by
  specificity and emitted as presentation attributes; every other rule,
  at-rule (``@import``, ``@font-face``...) or selector is dropped.

No ``xml:base``, no foreign namespace, no processing instruction, no
comment, no event handler survives, because none is on the lists. Each
thing dropped is reported (:attr:`CleanSvg.dropped`) so the loader can
warn about it. Output is deterministic: attributes sorted, numbers
re-serialised, UTF-8.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import tinycss2
from lxml import etree

from .svg_values import ATTRIBUTES, PROPERTIES, identifier

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MAX_ELEMENTS = 20_000  # in the partner's file
MAX_RENDERED = 20_000  # elements drawn once every <use> is expanded (counted transitively)
MAX_TEXT = 10_000  # characters of text content kept per element

# DOMPurify svg + svgFilters, minus what can load, link or animate (see the module docstring), plus use.
ELEMENTS = frozenset({
    "svg", "circle", "clipPath", "defs", "desc", "ellipse", "filter", "g", "line", "linearGradient", "marker",
    "mask", "path", "pattern", "polygon", "polyline", "radialGradient", "rect", "stop", "switch", "symbol", "text",
    "textPath", "title", "tspan", "use",
    "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix", "feDiffuseLighting",
    "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR",
    "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset", "fePointLight", "feSpecularLighting",
    "feSpotLight", "feTile", "feTurbulence",
})
TEXT_CONTENT = frozenset({"text", "tspan", "textPath"})
KEEPS_TEXT = TEXT_CONTENT | {"title", "desc"}
HREF_ELEMENTS = frozenset({"use", "textPath", "linearGradient", "radialGradient", "pattern", "filter"})


class SvgError(ValueError):
    """The SVG cannot be used at all (not XML, not SVG, DTDs, too big); the message says why."""


@dataclass(frozen=True)
class CleanSvg:
    """An SVG rebuilt from the allowlist: its bytes, what was dropped, and its live text's fonts."""

    data: bytes
    dropped: tuple[str, ...]  # sorted descriptions: "element <script>", "attribute xml:base on <image>"...
    text_fonts: tuple[str, ...]  # font-family of each <text> that draws letters ("" when none is given)

    @property
    def has_live_text(self) -> bool:
        """True when the logo draws letters with a font, which every renderer may pick differently."""
        return bool(self.text_fonts)


# --- <style> rules applied as attributes -------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    specificity: tuple[int, int, int]
    order: int
    element: str | None
    classes: frozenset[str]
    identifier: str | None
    declarations: tuple[tuple[str, str], ...]

    def matches(self, element: str, classes: set[str], identifier: str | None) -> bool:
        return ((self.element is None or self.element == element) and self.classes <= classes
                and (self.identifier is None or self.identifier == identifier))


def _declarations(nodes: Iterable[tinycss2.ast.Node], dropped: set[str], where: str) -> list[tuple[str, str]]:
    found = []
    for node in nodes:
        if node.type == "declaration":
            found.append((node.lower_name, tinycss2.serialize(node.value)))
        elif node.type == "at-rule":
            dropped.add(f"@{node.lower_at_keyword} in {where}")
        elif node.type == "error":
            dropped.add(f"unreadable CSS in {where}")
    return found


def _selector(tokens: list[tinycss2.ast.Node]) -> tuple[str | None, frozenset[str], str | None] | None:
    """A simple selector (``e``, ``.c``, ``e.c.d``, ``#i``) as (element, classes, id); None for anything else."""
    element, classes, identifier = None, set(), None
    position = 0
    if position < len(tokens) and tokens[position].type == "ident":
        element = tokens[position].value
        position += 1
    while position < len(tokens):
        token = tokens[position]
        if token.type == "hash" and token.is_identifier and identifier is None:
            identifier = token.value
            position += 1
        elif (token.type == "literal" and token.value == "." and position + 1 < len(tokens)
              and tokens[position + 1].type == "ident"):
            classes.add(tokens[position + 1].value)
            position += 2
        else:
            return None
    if element is None and not classes and identifier is None:
        return None
    return element, frozenset(classes), identifier


def _style_rules(styles: Iterable[str], dropped: set[str]) -> list[_Rule]:
    rules: list[_Rule] = []
    for css in styles:
        for node in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
            if node.type == "at-rule":
                dropped.add(f"@{node.lower_at_keyword} in <style>")
                continue
            if node.type != "qualified-rule":
                dropped.add("unreadable CSS in <style>")
                continue
            declarations = tuple(_declarations(tinycss2.parse_blocks_contents(node.content), dropped, "<style>"))
            groups: list[list[tinycss2.ast.Node]] = [[]]
            for token in node.prelude:
                if token.type == "literal" and token.value == ",":
                    groups.append([])
                elif token.type != "comment":
                    groups[-1].append(token)
            for group in groups:
                trimmed = [token for token in group if token.type != "whitespace"]
                spaced = any(token.type == "whitespace" for token in _strip(group))
                selector = None if spaced else _selector(trimmed)
                if selector is None:
                    dropped.add(f"<style> selector {tinycss2.serialize(group).strip()[:40]!r}")
                    continue
                element, classes, identifier = selector
                specificity = (int(identifier is not None), len(classes), int(element is not None))
                rules.append(_Rule(specificity, len(rules), element, classes, identifier, declarations))
    return sorted(rules, key=lambda rule: (rule.specificity, rule.order))


def _strip(tokens: list[tinycss2.ast.Node]) -> list[tinycss2.ast.Node]:
    start, end = 0, len(tokens)
    while start < end and tokens[start].type == "whitespace":
        start += 1
    while end > start and tokens[end - 1].type == "whitespace":
        end -= 1
    return tokens[start:end]


# --- the rebuild -------------------------------------------------------------------------------


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, dtd_validation=False, load_dtd=False,
                             huge_tree=False, remove_blank_text=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise SvgError(f"is not valid SVG ({error})") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise SvgError("SVG declares a DTD or entities, which are not allowed in a logo")
    return root


def _name(node: etree._Element) -> tuple[str, str]:
    """(namespace, local name) of an element or attribute name."""
    qname = etree.QName(node)
    return qname.namespace or "", qname.localname


def _shown(namespace: str, local: str, plain: str) -> str:
    if namespace in {plain, SVG_NS, ""}:
        return local
    prefix = {XLINK_NS: "xlink", XML_NS: "xml"}.get(namespace)
    return f"{prefix}:{local}" if prefix else f"{{{namespace}}}{local}"


class _Builder:
    """One rebuild: walks the parsed document and makes the new one."""

    def __init__(self, root: etree._Element) -> None:
        self.plain = root.nsmap.get(None) or ""  # the namespace unprefixed names are in (SVG, or none at all)
        if self.plain not in {SVG_NS, ""}:
            self.plain = "\0"
        self.dropped: set[str] = set()
        self.fonts: list[str] = []
        self.hrefs: list[tuple[etree._Element, str]] = []
        styles = [element.text or "" for element in root.iter() if isinstance(element.tag, str)
                  and _name(element) in {(SVG_NS, "style"), (self.plain, "style")}]
        self.rules = _style_rules(styles, self.dropped)

    def is_svg(self, namespace: str) -> bool:
        return namespace == SVG_NS or namespace == self.plain

    def element(self, source: etree._Element, parent: etree._Element | None, inherited_font: str | None
                ) -> etree._Element | None:
        namespace, local = _name(source)
        if not self.is_svg(namespace) or local not in ELEMENTS:
            if self.is_svg(namespace) and local == "style":
                return None  # its rules were applied as attributes; what could not be is in `dropped`
            if self.is_svg(namespace) and local == "a" and parent is not None:
                self.dropped.add("link <a> (kept as <g>)")
                local = "g"
            else:
                self.dropped.add(f"element <{_shown(namespace, local, self.plain)}>")
                return None
        attributes = self.attributes(source, local)
        tag = f"{{{SVG_NS}}}{local}"
        made = etree.Element(tag) if parent is None else etree.SubElement(parent, tag)
        for name in sorted(attributes):
            if name == "href":
                self.hrefs.append((made, attributes[name]))
            else:
                made.set(name, attributes[name])
        font = attributes.get("font-family", inherited_font)
        if local in KEEPS_TEXT and source.text:
            made.text = source.text[:MAX_TEXT]
        if local == "text" and "".join(source.itertext()).strip():
            self.fonts.append(font or "")
        for child in source:
            if not isinstance(child.tag, str):
                if isinstance(child, etree._ProcessingInstruction):
                    self.dropped.add(f"processing instruction <?{child.target}?>")
                elif isinstance(child, etree._Entity):
                    self.dropped.add(f"entity &{child.name};")
                continue  # comments go silently
            kept = self.element(child, made, font)
            if local in TEXT_CONTENT and child.tail:
                if kept is not None:
                    kept.tail = child.tail[:MAX_TEXT]
                elif len(made):
                    made[-1].tail = (made[-1].tail or "") + child.tail[:MAX_TEXT]
                else:
                    made.text = (made.text or "") + child.tail[:MAX_TEXT]
        return made

    def attributes(self, source: etree._Element, local: str) -> dict[str, str]:
        where = f"<{local}>"
        plain: dict[str, str] = {}
        properties: dict[str, str] = {}
        for name, value in source.attrib.items():
            qualified = etree.QName(name)
            namespace, attribute = qualified.namespace or "", qualified.localname
            if (namespace == XLINK_NS and attribute == "href") or (namespace == "" and attribute == "href"):
                if local in HREF_ELEMENTS and value.strip().startswith("#") and identifier(value.strip()[1:]):
                    plain["href"] = value.strip()
                else:
                    self.dropped.add(f"link {_shown(namespace, attribute, '')}={value.strip()[:40]!r} on {where}")
            elif namespace == XML_NS and attribute == "space" and value in {"default", "preserve"}:
                plain[f"{{{XML_NS}}}space"] = value
            elif namespace == "" and attribute in PROPERTIES:
                properties[attribute] = value
            elif namespace == "" and attribute in ATTRIBUTES:
                checked = ATTRIBUTES[attribute](value)
                if checked is None:
                    self.dropped.add(f"attribute {attribute}={value.strip()[:40]!r} on {where}")
                else:
                    plain[attribute] = checked
            elif namespace == "" and attribute in {"style", "class", "xmlns"}:
                continue
            else:
                self.dropped.add(f"attribute {_shown(namespace, attribute, '')} on {where}")
        classes = set((source.get("class") or "").split())
        for rule in self.rules:
            if rule.matches(local, classes, source.get("id")):
                properties.update(rule.declarations)
        if source.get("style"):
            properties.update(_declarations(tinycss2.parse_blocks_contents(source.get("style")), self.dropped,
                                            f"style of {where}"))
        for name, value in properties.items():
            check = PROPERTIES.get(name)
            checked = check(value) if check else None
            if checked is None:
                self.dropped.add(f"style {name}: {value.strip()[:40]!r} on {where}")
            else:
                plain[name] = checked
        return plain

    def link(self, root: etree._Element) -> None:
        """Set the hrefs that name an element of the new document; drop the others."""
        ids = {element.get("id") for element in root.iter() if element.get("id")}
        for element, target in self.hrefs:
            if target[1:] in ids:
                element.set(f"{{{XLINK_NS}}}href", target)
            else:
                self.dropped.add(f"link {target[:40]!r} to an id the logo does not have")
        # A <use> or <textPath> without a target draws nothing, and renderers would try to fetch "".
        for local in ("use", "textPath"):
            for element in list(root.iter(f"{{{SVG_NS}}}{local}")):
                parent = element.getparent()
                if element.get(f"{{{XLINK_NS}}}href") is None and parent is not None:
                    parent.remove(element)


def _rendered_count(root: etree._Element) -> int:
    """Elements drawn once every ``<use>`` is expanded, counted transitively; refuses loops and fan-out."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    counts: dict[int, int] = {}
    visiting: set[int] = set()

    def count(element: etree._Element) -> int:
        key = id(element)
        if key in counts:
            return counts[key]
        if key in visiting:
            raise SvgError("SVG <use> elements refer to each other in a loop")
        visiting.add(key)
        total = 1
        href = element.get(f"{{{XLINK_NS}}}href")
        if etree.QName(element).localname == "use" and href:
            target = by_id.get(href[1:])
            total += count(target) if target is not None else 0
        for child in element:
            total += count(child)
            if total > MAX_RENDERED:
                raise SvgError(f"SVG <use> references expand to more than {MAX_RENDERED:,} elements; "
                               "flatten the logo")
        visiting.discard(key)
        counts[key] = total
        return total

    return count(root)


def sanitize_svg(data: bytes) -> CleanSvg:
    """Parse ``data`` safely and rebuild it from the allowlist; raise :class:`SvgError` if it is unusable."""
    root = _parse(data)
    namespace, local = _name(root)
    if local != "svg" or namespace not in {SVG_NS, ""}:
        raise SvgError("is not an SVG image (root element is not <svg>)")
    for attribute, what in (("width", "a length"), ("height", "a length"), ("viewBox", "four numbers")):
        value = root.get(attribute)
        if value is not None and (ATTRIBUTES[attribute](value) is None
                                  or (attribute == "viewBox" and len(value.replace(",", " ").split()) != 4)):
            raise SvgError(f"SVG {attribute} {value[:40]!r} is not {what} (finite numbers only)")
    count = sum(1 for _ in root.iter())
    if count > MAX_ELEMENTS:
        raise SvgError(f"SVG has {count:,} elements; at most {MAX_ELEMENTS:,} are allowed in a logo")
    builder = _Builder(root)
    for sibling in (*root.itersiblings(preceding=True), *root.itersiblings()):
        if isinstance(sibling, etree._ProcessingInstruction):
            builder.dropped.add(f"processing instruction <?{sibling.target}?>")
    rebuilt = builder.element(root, None, None)
    assert rebuilt is not None  # the root is <svg>, which is on the list
    builder.link(rebuilt)
    _rendered_count(rebuilt)
    uses_xlink = rebuilt.find(f".//*[@{{{XLINK_NS}}}href]") is not None
    nsmap = {None: SVG_NS, "xlink": XLINK_NS} if uses_xlink else {None: SVG_NS}
    document = etree.Element(rebuilt.tag, nsmap=nsmap)
    for name, value in rebuilt.attrib.items():
        document.set(name, value)
    document.text = rebuilt.text
    document.extend(list(rebuilt))
    output = etree.tostring(document, encoding="utf-8", xml_declaration=False) + b"\n"
    return CleanSvg(output, tuple(sorted(builder.dropped)), tuple(builder.fonts))
