"""Helpers of the hostile-partner corpus (tests/build/test_hostile.py) and of its SVG cases in Chromium
(tests/browser/test_hostile_svg_in_chromium.py): partner files written from data, the build they run, and
the hostile SVG logos."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import cobrand
from support.example import ENVIRON
from support.http_server import LocalServer
from support.toml_writer import toml_dumps

SLUG = "kestrel-cloud"


def partner_data(proj: Path, slug: str = SLUG) -> dict:
    """A partner's partner.toml as data."""
    return tomllib.loads((proj / "partners" / slug / "partner.toml").read_text(encoding="utf-8"))


def write_partner(proj: Path, data: dict, slug: str = SLUG) -> str:
    """Write ``data`` as the partner's partner.toml (checked to read back the same) and return the text."""
    text = toml_dumps(data)
    assert tomllib.loads(text) == data  # the file says exactly what the test means
    (proj / "partners" / slug / "partner.toml").write_text(text, encoding="utf-8")
    return text


def run_build(proj: Path, *, partners: tuple[str, ...] = (SLUG,), pdfs: bool = False,
              images: bool = False, all_or_nothing: bool = True) -> cobrand.BuildReport:
    """Build ``partners`` of ``proj`` into proj/build, one job, no PDFs or images unless asked."""
    # The corpus asks what is refused: all or nothing, so a hostile partner's error stops the build.
    return cobrand.build(proj, out_dir=proj / "build", partners=partners, jobs=1, pdfs=pdfs, images=images,
                         environ=ENVIRON, all_or_nothing=all_or_nothing)


SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 400 100">'


RECT = '<rect width="400" height="100" fill="#3d7ea6"/>'


XHTML = 'xmlns:h="http://www.w3.org/1999/xhtml"'


# {EVIL} is the recording server's URL for the case, {PROJ} the project folder, {VICTIM} another partner's logo.
SVG_HOSTILE: dict[str, tuple[str, str]] = {
    "script": (f"{SVG_OPEN}<script>window.__pwned=1;alert(1)</script>{RECT}</svg>", "<script>"),
    "onload": (SVG_OPEN.replace("<svg ", '<svg onload="window.__pwned=1" ') + RECT + "</svg>", "onload"),
    "onclick-upper": (f'{SVG_OPEN}<rect OnClick="window.__pwned=1" width="4" height="4"/>{RECT}</svg>', "OnClick"),
    "foreign-object": (f"{SVG_OPEN}<foreignObject width='400' height='100'><body xmlns='http://www.w3.org/1999/xhtml'>"
                       f"<script>window.top.__pwned=1</script><img src='{{EVIL}}/fo.png'/></body></foreignObject>"
                       f"{RECT}</svg>", "foreignObject"),
    "xhtml-frame": (SVG_OPEN.replace("<svg ", f"<svg {XHTML} ") + "<h:frame src=\"javascript:window.top.__pwned=1\"/>"
                    f"<h:iframe src='{{EVIL}}/frame.html'/>{RECT}</svg>", "frame"),
    "xhtml-img": (SVG_OPEN.replace("<svg ", f"<svg {XHTML} ") + "<h:img src='{EVIL}/img.png' "
                  "onerror='window.top.__pwned=1'/>" + f"{RECT}</svg>", "img"),
    "xhtml-meta-refresh": (SVG_OPEN.replace("<svg ", f"<svg {XHTML} ") + "<h:meta http-equiv='refresh' "
                           "content='0;url={EVIL}/refresh.html'/>" + f"{RECT}</svg>", "meta"),
    "xhtml-script-entity": (SVG_OPEN.replace("<svg ", f"<svg {XHTML} ") + "<h:script>window.top.__pwned&#x3d;1"
                            "</h:script>" + f"{RECT}</svg>", "script"),
    "xlink-http-image": (f'{SVG_OPEN}<image xlink:href="{{EVIL}}/x.png" width="4" height="4"/>{RECT}</svg>',
                         "<image>"),
    "use-http": (f'{SVG_OPEN}<use href="{{EVIL}}/sprite.svg#logo"/>{RECT}</svg>', "link href="),
    "anchor-javascript": (f'{SVG_OPEN}<a href="javascript:window.top.__pwned=1">{RECT}</a></svg>', "<a>"),
    "anchor-entity-javascript": (f'{SVG_OPEN}<a xlink:href="&#106;avascript&#58;window.top.__pwned=1">{RECT}</a>'
                                 "</svg>", "<a>"),
    "style-import": (f"{SVG_OPEN}<style>@import url({{EVIL}}/x.css);</style>{RECT}</svg>", "@import"),
    "style-import-after-child": (f"{SVG_OPEN}{RECT}<style>@IMPORT '{{EVIL}}/late.css'; rect{{fill:#fff}}</style>"
                                 "</svg>", "@import"),
    "style-image-set-after-child": (f"{SVG_OPEN}{RECT}<style>rect{{fill:image-set(url({{EVIL}}/set.png) 1x)}}</style>"
                                    "</svg>", "image-set"),
    "style-attribute-url": (f'{SVG_OPEN}<rect style="fill:URL({{EVIL}}/p.png)" width="4" height="4"/>{RECT}</svg>',
                            "fill"),
    "style-url-css-escape": (f"{SVG_OPEN}<style>rect{{fill:u\\72l({{EVIL}}/esc.png)}}</style>{RECT}</svg>",
                             "fill"),
    "style-cdata-close": (f"{SVG_OPEN}<style><![CDATA[ rect{{fill:red}} </style><script>window.top.__pwned=1"
                          f"</script> ]]></style>{RECT}</svg>", "<style>"),
    "xml-stylesheet-pi": ('<?xml version="1.0"?><?xml-stylesheet type="text/css" href="{EVIL}/pi.css"?>'
                          f"{SVG_OPEN}{RECT}</svg>", "xml-stylesheet"),
    "utf16-xml-stylesheet": ('<?xml version="1.0" encoding="UTF-16"?><?xml-stylesheet type="text/css" '
                             'href="{EVIL}/utf16.css"?>' + SVG_OPEN.replace("<svg ", f"<svg {XHTML} ")
                             + "<h:script>window.top.__pwned=1</h:script>" + f"{RECT}</svg>", "xml-stylesheet"),
    "smil-set-href": (f'{SVG_OPEN}<a><set attributeName="href" to="javascript:window.top.__pwned=1"/>{RECT}</a></svg>',
                      "<set>"),
    "animate-href": (f'{SVG_OPEN}<a><animate attributeName="xlink:href" values="javascript:alert(1)"/>{RECT}</a>'
                     "</svg>", "<animate>"),
    "xml-base-cross-partner": (f'{SVG_OPEN}<image xml:base="file://{{VICTIM}}" href="#x" width="400" height="100"/>'
                               f'<use xml:base="{{EVIL}}/base/" href="#r"/><rect id="r" width="4" height="4"/>{RECT}'
                               "</svg>", "xml:base"),
    "percent-encoded-path": (f'{SVG_OPEN}<image href="file://{{VICTIM_ENCODED}}" width="400" height="100"/>'
                             f'<rect fill="url(file://{{VICTIM_ENCODED}})" width="4" height="4"/>{RECT}</svg>',
                             "<image>"),
    "feimage": (f'{SVG_OPEN}<filter id="f"><feImage href="{{EVIL}}/fe.png"/></filter>'
                f'<rect filter="url(#f)" width="4" height="4"/>{RECT}</svg>', "feImage"),
    "inkscape-namespace": (SVG_OPEN.replace("<svg ", '<svg xmlns:inkscape="http://www.inkscape.org/namespaces/'
                                            'inkscape" inkscape:version="1.0" ') + RECT + "</svg>", "inkscape"),
}


def hostile_slug(case: str) -> str:
    """The partner folder of one hostile SVG case."""
    return "svg-" + case


def write_hostile_logo(proj: Path, slug: str, case: str, evil: str) -> None:
    """Write the case's SVG as the partner's logo, its attacks aimed at ``evil`` and at another partner's logo."""
    victim = proj / "partners" / "maple-ridge-tech" / "logo.png"
    encoded = victim.as_posix().replace("-", "%2D").replace(".png", "%2Epng")
    svg = SVG_HOSTILE[case][0].replace("{EVIL}", f"{evil}/evil/{case}").replace("{VICTIM_ENCODED}", encoded)
    svg = svg.replace("{VICTIM}", victim.as_posix())
    encoding = "utf-16" if "UTF-16" in svg else "utf-8"
    (proj / "partners" / slug / "logo.svg").write_bytes(svg.encode(encoding))


def build_hostile_fleet(proj: Path, server: LocalServer) -> cobrand.BuildReport:
    """Add one partner per case of :data:`SVG_HOSTILE` to ``proj`` (its logo aimed at ``server``) and build them
    all, without images and not all or nothing."""
    base = partner_data(proj)
    for index, case in enumerate(sorted(SVG_HOSTILE)):
        slug = hostile_slug(case)
        (proj / "partners" / slug).mkdir()
        data = json.loads(json.dumps(base))
        data["name"] = f"Hostile Partner {index}"
        data["website"] = f"https://{slug}.example"
        data["contact"] = {"email": f"hello@{slug}.example", "phone": f"+44 117 496 {index:04d}"}
        data["tracking"] = {"utm_source": slug}
        write_partner(proj, data, slug)
        write_hostile_logo(proj, slug, case, server.url)
    # Without images (2 s a partner): the logo as published and the page are what the tests open; the
    # trimmed logo files are judged on the cross-partner case, built with images.
    # A fleet build: a logo refused outright skips its partner only (issue 20), and the others still build.
    report = run_build(proj, partners=tuple(hostile_slug(case) for case in sorted(SVG_HOSTILE)),
                       all_or_nothing=False)
    return report

