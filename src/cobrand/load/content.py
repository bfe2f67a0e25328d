"""Load ``content/``: one folder per content kind (kinds.py): blog posts, one-pagers, media, social posts
and the kinds plugins add."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem
from ..kinds import BUILT_IN, RESERVED_FOLDERS, Kind, Kinds
from ..models import ContentItem, Templated
from ..schemas import MediaFile, PageFile, SocialFile
from ..tokens import check_syntax, sandbox, split_tokens, templated_text
from .schema import parse_yaml, validate, yaml_loader
from .state import FrontMatter, SavedState, file_digest, tree_digest

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# The parsers (Markdown with its HTML sanitiser, YAML, Pillow for the images files refer to) are imported
# by the functions that parse a file: a rebuild whose saved state knows every file parses none, and its
# start-up was mostly imports.

# <slug>.md, or <slug>.<lang>.md for a translation (the same for .yaml)
_FILE_NAME = re.compile(r"^(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)(?:\.(?P<lang>[a-z]{2,3}))?\.(?:md|ya?ml)$")
DOCUMENT_SUFFIXES = (".md", ".yaml", ".yml")
GATING_FIELDS = ("min_tier", "ecosystems", "regions", "partners", "expires", "draft", "publish", "teaser")
# Front-matter text shown to partners' visitors: filled per partner like the body.
TEXT_FIELDS = ("title", "subtitle", "summary", "headline")


def load_content(root: Path, state: SavedState | None = None, kinds: Kinds = BUILT_IN
                 ) -> tuple[list[ContentItem], list[Problem]]:
    """Parse every content file of ``kinds`` once; return the items and every problem found.

    With ``state``, a file is not parsed again while its bytes and the content
    folder's other files (images and audio it may refer to) are unchanged.
    """
    state = state or SavedState()
    content_dir = root / "content"
    items: list[ContentItem] = []
    problems: list[Problem] = []
    if not content_dir.is_dir():
        return items, [Problem("content", "folder is missing")]
    parser: list[MarkdownIt] = []  # made for the first Markdown file parsed

    def load(path: Path, kind: Kind) -> tuple[ContentItem | None, list[Problem]]:
        if kind.document == "yaml":
            return _load_social(root, path, kind)
        if not parser:
            from .markdown import make_markdown

            parser.append(make_markdown())
        return _load_page(root, path, kind, parser[0], state)

    known_folders = (*kinds.names, *sorted(RESERVED_FOLDERS))
    for entry in sorted(content_dir.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        if entry.name not in known_folders:
            known = ", ".join(known_folders)
            problems.append(Problem(_rel(root, entry), f"unknown content folder; use one of {known} (a plugin's "
                                    "kind needs the plugin named in cobrand.toml [plugins] enabled)"))
    referable = tree_digest(content_dir, skip=lambda name: name.endswith(DOCUMENT_SUFFIXES), state=state)
    for kind in kinds:
        for path in _files(content_dir / kind.name, *kind.suffixes):
            file = _rel(root, path)
            if kind.document == "markdown":  # its front matter's result stays ready for an edit of its body alone
                state.front_matter.keep(file)
            # A plugin kind's salt (its plugin's code) is part of what its files' results depend on.
            item, found = state.content.recall(file, file_digest(path, referable, kind.salt, state=state),
                                               lambda: load(path, kind))  # noqa: B023 - called at once
            problems += found
            if item:
                items.append(item)
    return items, problems


def _files(folder: Path, *suffixes: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in suffixes and not p.name.startswith("."))


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _read(root: Path, path: Path) -> tuple[str | None, bytes, list[Problem]]:
    data = path.read_bytes()
    try:
        return data.decode("utf-8"), data, []
    except UnicodeDecodeError as error:
        return None, data, [Problem(_rel(root, path), f"is not UTF-8 text (byte {error.start})")]


def _name(root: Path, path: Path) -> tuple[str, str | None, list[Problem]]:
    """The slug and translation language a file name gives, or a problem."""
    match = _FILE_NAME.match(path.name)
    if match is None:
        return path.stem, None, [Problem(_rel(root, path), "file name must be <slug>.md or <slug>.<lang>.md, the slug "
                                         "in lower-case letters, digits and hyphens")]
    return match.group("slug"), match.group("lang"), []


def _translation_problems(file: str, raw: object, lang: str | None, key_lines: dict[str, int]) -> list[Problem]:
    """Translations follow their original's entitlements; they may not set their own."""
    if lang is None or not isinstance(raw, dict):
        return []
    return [Problem(file, "a translation takes its entitlements from the original file; remove it here",
                    field=name, line=key_lines.get(name)) for name in GATING_FIELDS if name in raw]


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Split ``---``-fenced YAML front matter from the body; return (yaml, body, body's first line)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() in {"---", "..."}:
            return "".join(lines[1:index]), "".join(lines[index + 1:]), index + 2
    return None


_DRAFT_LINE = re.compile(r"^draft:[ \t]*(?:true|yes|on)[ \t]*(?:#.*)?$", re.MULTILINE | re.IGNORECASE)


def _is_draft(raw: object, text: str) -> bool:
    """Whether the file is a draft: from its front matter, or from a ``draft: true`` line when it is not valid YAML."""
    return _draft_from(_draft_flag(raw), text)


def _draft_flag(raw: object) -> bool | None:
    """What the front matter says of ``draft``, or None when it is not a table (then a line of the text tells)."""
    return raw.get("draft") is True if isinstance(raw, dict) else None


def _draft_from(flag: bool | None, text: str) -> bool:
    return flag if flag is not None else _DRAFT_LINE.search(text) is not None


DRAFT_NOT_BUILT = "draft not built: "


def as_draft_problems(problems: list[Problem]) -> list[Problem]:
    """A draft's errors as warnings: the draft is left out of the build, which goes on."""
    return [dataclasses.replace(problem, severity="warning", message=DRAFT_NOT_BUILT + problem.message)
            if problem.severity == "error" else problem for problem in problems]


def _front_matter_texts(meta: PageFile | SocialFile, key_lines: dict[str, int], file: str
                        ) -> tuple[dict[str, Templated], list[Problem]]:
    """The item's title, subtitle, summary and headline, parsed for tokens like its body."""
    env = sandbox()
    texts: dict[str, Templated] = {}
    problems: list[Problem] = []
    for name in TEXT_FIELDS:
        value = getattr(meta, name, None)
        if not isinstance(value, str):
            continue
        templated, statements = templated_text(value, key_lines.get(name, 1))
        problems += [dataclasses.replace(problem, field=name) for problem in check_syntax(templated, env, file)]
        problems += [Problem(file, f"'{tag}' is not supported; use {{{{ partner.field }}}} tokens only",
                             field=name, line=line) for line, tag in statements]
        texts[name] = templated
    return texts, problems


def _front_matter(yaml_text: str, file: str, kind: Kind, lang: str | None) -> FrontMatter:
    raw, key_lines, found = parse_yaml(yaml_text, file, line_offset=1)
    if found:
        return FrontMatter(False, None, key_lines, found, _draft_flag(raw), {}, [], "")
    meta, found = validate(kind.schema, raw, file, key_lines=key_lines)
    assert meta is None or isinstance(meta, PageFile)  # a Markdown kind's schema extends PageFile (kinds.py)
    found += _translation_problems(file, raw, lang, key_lines)
    if meta is None:
        return FrontMatter(True, None, key_lines, found, _draft_flag(raw), {}, [], "")
    texts, text_problems = _front_matter_texts(meta, key_lines, file)
    return FrontMatter(True, meta, key_lines, found, _draft_flag(raw), texts, text_problems, meta.model_dump_json())


def _load_page(root: Path, path: Path, kind: Kind, md: MarkdownIt, state: SavedState | None = None
               ) -> tuple[ContentItem | None, list[Problem]]:
    from .markdown import count_words, render_body
    from .media import check_audio, check_body_image

    file = _rel(root, path)
    text, data, problems = _read(root, path)
    slug, lang, found = _name(root, path)
    problems += found
    if text is None:
        return None, problems
    parts = split_front_matter(text)
    if parts is None:
        return None, [*problems, Problem(file, "must start with YAML front matter between '---' lines", line=1)]
    yaml_text, body_text, body_line = parts
    # Its kind (a plugin kind's code too), its language and the front matter's text fix what the front matter
    # gives; the file's path is the key (problems name it).
    inputs = "\0".join((kind.name, kind.salt, lang or "", yaml_text))
    front = (state.front_matter.recall(file, hashlib.sha256(inputs.encode()).hexdigest(),
                                       lambda: _front_matter(yaml_text, file, kind, lang))
             if state is not None else _front_matter(yaml_text, file, kind, lang))
    problems += front.problems
    if not front.parsed:
        return None, as_draft_problems(problems) if _draft_from(front.draft, yaml_text) else problems
    meta, key_lines = front.meta, front.key_lines
    body, statements, assets, derived_summary = render_body(md, body_text, body_line, kind.name)
    problems += [Problem(file, f"'{tag}' is not supported in content; use {{{{ partner.field }}}} tokens only",
                         line=line) for line, tag in statements]
    problems += check_syntax(body, sandbox(), file)
    for asset in assets:
        problems += check_body_image(root, file, asset)
    texts: dict[str, Templated] = {}
    if meta is not None:
        texts = dict(front.texts)  # a copy: the saved state's stays as it was
        problems += front.text_problems
        if "summary" not in texts and derived_summary is not None:
            texts["summary"] = derived_summary
        if "summary" not in texts:
            problems.append(Problem(file, "has no summary and no paragraph to make one from; add summary: "
                                    "to the front matter", field="summary"))
    if isinstance(meta, MediaFile) and meta.embed.audio:
        # The audio is an asset like the body's images: copied into the sites that get the page, part of its key.
        problems += check_audio(root, file, meta.embed.audio, key_lines.get("embed"))
        assets = sorted({*assets, meta.embed.audio})
    if meta is None or problems:
        return None, as_draft_problems(problems) if _draft_from(front.draft, text) else problems
    return ContentItem(
        kind=kind.name, has_page=kind.page_template is not None, has_pdf=kind.pdf, slug=slug, source=file,
        meta=meta, body=body, lang=lang, texts=texts, meta_json=front.meta_json,
        digest=hashlib.sha256(data).hexdigest(), words=count_words(body_text), assets=tuple(assets),
    ), []


def _variant_lines(text: str) -> dict[str, int]:
    """The line where each network's text starts, so token errors point into the variant itself."""
    import yaml

    node = yaml.compose(text, Loader=yaml_loader())
    lines: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key, value in node.value:
        if key.value == "variants" and isinstance(value, yaml.MappingNode):
            for network, text_node in value.value:
                block = getattr(text_node, "style", None) in ("|", ">")  # a block scalar's text starts on the next line
                lines[str(network.value)] = text_node.start_mark.line + 1 + (1 if block else 0)
    return lines


def _load_social(root: Path, path: Path, kind: Kind) -> tuple[ContentItem | None, list[Problem]]:
    from .media import check_image

    file = _rel(root, path)
    text, data, problems = _read(root, path)
    slug, lang, found = _name(root, path)
    problems += found
    if text is None:
        return None, problems
    raw, key_lines, found = parse_yaml(text, file)
    if found:
        return None, as_draft_problems(problems + found) if _is_draft(raw, text) else problems + found
    meta, found = validate(kind.schema, raw, file, key_lines=key_lines)
    problems += found + _translation_problems(file, raw, lang, key_lines)
    variants: dict[str, Templated] = {}
    variant_lines = _variant_lines(text)
    assert meta is None or isinstance(meta, SocialFile)  # a YAML kind's schema extends SocialFile (kinds.py)
    if meta is not None:
        env = sandbox()
        for network, value in meta.variants.model_dump().items():
            first_line = variant_lines.get(network, key_lines.get("variants", 1))
            segments, statements = split_tokens(value, first_line)
            templated = Templated(tuple(s for s in segments if s != ""), html=False)
            problems += check_syntax(templated, env, file)
            problems += [Problem(file, f"'{tag}' is not supported; use {{{{ partner.field }}}} tokens only",
                                 field=f"variants.{network}", line=line) for line, tag in statements]
            variants[network] = templated
    texts: dict[str, Templated] = {}
    if meta is not None:
        texts, found = _front_matter_texts(meta, key_lines, file)
        problems += found
    if meta is not None and meta.image:
        # An asset of the post: its bytes are part of the social images' cache key (no page copies it).
        problems += check_image(root, file, meta.image, key_lines.get("image"))
    if meta is None or problems:
        return None, as_draft_problems(problems) if _is_draft(raw, text) else problems
    return ContentItem(kind=kind.name, has_page=False, slug=slug, source=file, meta=meta, body=None, lang=lang,
                       variants=variants, texts=texts, digest=hashlib.sha256(data).hexdigest(),
                       assets=(meta.image,) if meta.image else (), meta_json=meta.model_dump_json()), []


