"""Fallback manuscript renderer: `make paper` (RENDERER=fallback, the default) uses it; real Quarto is
`make RENDERER=quarto paper`.

    python -m tools.render [--qmd paper/paper.qmd] [--ledger results/ledger.json]
                           [--pdf OUT.pdf] [--html OUT.html] [--keep-typ OUT.typ] [--keys]

Without --pdf/--html both are built next to the .qmd (paper/paper.pdf, paper/paper.html),
where `quarto render` would put them. Run `python -m tools.provenance` first: it stages the
tables, figures and build note into paper/_generated/ (tools/render/stage.py).

It implements Quarto's semantics (quarto-cli 1.11) for exactly the subset the manuscript uses and
refuses everything else with a non-zero exit and a message naming the file:line and the offending
item; tests/test_quarto_conformance.py holds one fixture per rule, each citing its Quarto source:

* YAML front matter (title, subtitle, author, date, abstract, bibliography, csl, lang, ...);
  project options come from `_quarto.yml` beside the .qmd (bibliography, number-sections,
  format.typst papersize/margin/fontsize/mainfont/section-numbering/page-numbering/
  include-in-header/citeproc). The .qmd's folder is the Quarto project directory.
* Shortcodes `{{< ledger KEY >}}`, `{{< var KEY >}}` (both from the ledger; a
  `_variables.yml` beside the .qmd, if present, must agree) and `{{< include PATH >}}`;
  `{{{< ... >}}}` is an escaped, literal shortcode. Shortcodes in code are left alone.
* Includes as Quarto resolves them (src/core/handlers/base.ts resolvePath): relative to the main
  document, nested ones too, or to the project directory for a leading `/`; a path written
  relative to the including file fails with a message citing that rule; an include must sit on a
  line of its own (src/core/lib/parse-shortcode.ts).
* Cross references `@fig-`, `@tbl-`, `@eq-`, `@sec-` (also `[@fig-x]`, `-@fig-x`) to
  `![Cap](f.svg){#fig-x}`, a pipe table + `: Cap {#tbl-x}`, `$$ ... $$ {#eq-x}` and
  `# Title {#sec-x}`. Labelled floats are written as Quarto writes them for typst
  (`#figure(..., kind: "quarto-float-tbl", supplement: "Table")`), so the shared style file
  paper/style.typ (format.typst.include-in-header) styles both renderers' output alike.
  Citations through pandoc citeproc, which Quarto uses for typst only with
  `format.typst.citeproc: true` (required here). Warnings are errors.
* Typst's root is the project directory, as Quarto's `--root` (src/command/render/
  output-typst.ts): a figure outside it is refused in both formats.
* Refused: other shortcodes, executable code cells, callouts/panels/columns, figure or
  table divs, layout attributes, image attributes other than width/height/fig-align/fig-alt,
  table attributes (tbl-colwidths), unknown front matter or format options, missing
  figures/includes/bibliography, unresolved or duplicate labels, unknown citations.
  Figures and tables without a label are printed unnumbered (as in Quarto).

Confinement: the manuscript reads nothing outside the repository (CONFINEMENT_ROOT) and runs
nothing. Includes, figures, bibliography, CSL, _quarto.yml, _variables.yml, the style file and
the template must resolve (after symlinks) inside it, figures inside the project directory, which
is typst's root, so typst `read`/`image`/`include` cannot leave it either; the temporary build
directory is paper/.build/ (removed afterwards). Raw blocks and inlines (```{=typst}, `x`{=html},
raw HTML tags, raw TeX) and metadata outside the front matter are refused (RAW_ALLOWED lists the
exceptions: none today); so are typst package imports (@preview/..., @local/...) and typst
option values that are not plain lengths/names. pandoc runs with --sandbox (it reads only the
files on its command line; the Lua filter hands it the checked figures), an empty data
directory and no inherited environment; typst gets no system fonts, no package directories and
no sys.inputs. A manuscript outside the repository (a test fixture) is confined the same way to
its own project directory: the folder that stands to it as the repository stands to paper/.

PDF: pandoc -> typst (paper/template.typ, in the order of Quarto's template partials, plus
paper/style.typ) -> typst.compile with only the fonts embedded in typst (no system fonts, no
network); the creation date is SOURCE_DATE_EPOCH, else the document date, so two builds give the
same bytes. HTML: one self-contained file (figures embedded, MathML), every ledger number, in
prose and in table cells, as
<span class="ledger" data-ledger-key="KEY" title="KEY = VALUE (SCRIPT)">FORMATTED</span>
(VALUE is the raw value, '%.14g' for numbers, followed by the unit when there is one).

The pandoc Lua filter is filter.lua beside this file; the HTML number span is built by the Quarto
extension's own paper/_extensions/ledger/ledger_span.lua, which the filter loads, and styled by the
extension's ledger.css (one source for both renderers).

Python API: preprocess(), used_keys(), key_uses(), render_typst(), render_pdf(), render_html(), build();
all raise BuildError, whose message has one line per problem, each `file:line: what: fix`.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import difflib
import json
import os
import re
import shlex
import shutil
import string
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from analysis.core import atomic, paths
from analysis.core import ledger as ledger_mod

HERE = Path(__file__).resolve().parent
TEMPLATE = paths.PAPER / "template.typ"
FILTER = HERE / "filter.lua"
# The number span of the Quarto extension, shared with the fallback filter (no second copy).
SPAN_LUA = paths.PAPER / "_extensions" / "ledger" / "ledger_span.lua"
# ... and its stylesheet (quarto.doc.add_html_dependency in ledger.lua), embedded by the fallback
LEDGER_CSS = paths.PAPER / "_extensions" / "ledger" / "ledger.css"
DEFAULT_QMD = paths.PAPER / "paper.qmd"

# Everything the build reads for the manuscript, and typst's project root, stays inside this
# directory (one constant: it is meant to narrow to paths.PAPER later).
CONFINEMENT_ROOT = paths.ROOT
# Temporary build files live in <manuscript folder>/.build/ (gitignored), inside the root,
# because typst reads the intermediate .typ and the figures from within its root only.
BUILD_DIR = ".build"
# Raw pandoc content the manuscript may pass through: exact (format, text) pairs, e.g.
# ("typst", "#pagebreak()"). The manuscript needs none. HTML comments are always allowed.
RAW_ALLOWED: frozenset[tuple[str, str]] = frozenset()
# Values substituted verbatim into typst code in template.typ (e.g. `font: ("$mainfont$", ...)`)
_LENGTH = r"\d+(\.\d+)?(pt|mm|cm|in|em|%)"
_TYPST_VALUES = {
    "papersize": (r"[a-z0-9-]{1,30}", "a typst paper name such as a4 or us-letter"),
    "fontsize": (_LENGTH, "a length such as 10pt"),
    "mainfont": (r"[A-Za-z0-9][A-Za-z0-9 ._+-]{0,60}", "a font family name (letters, digits, spaces)"),
    "section-numbering": (r"[0-9A-Za-z.()\- ]{1,20}", "a numbering pattern such as 1.1"),
    "margin": (_LENGTH, "a length such as 2.2cm"),
    "page-numbering": (r"[0-9A-Za-z.()\-/ ]{1,20}", "a typst numbering pattern such as 1 or i, or false"),
}
_LANG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
_PACKAGE = re.compile(r'"@[A-Za-z0-9_-]+/')

# Page defaults; paper/_quarto.yml says the same for real Quarto.
TYPST_DEFAULTS: dict[str, Any] = {
    "papersize": "a4",
    "margin": {"x": "2.2cm", "y": "2.4cm"},
    "fontsize": "10pt",
    "mainfont": "Libertinus Serif",
    "section-numbering": "1.1",
}
# Quarto keys that configure rendering rather than being document metadata.
_NOT_META = {"format", "project", "execute", "jupyter", "engine", "knitr", "crossref",
             "number-sections", "bibliography", "csl", "shortcodes", "filters", "author"}
# Options the fallback understands (or that do not change the output). Anything else in the
# front matter or _quarto.yml is refused rather than silently ignored.
_KNOWN_META = {"title", "subtitle", "author", "date", "abstract", "abstract-title", "keywords",
               "description", "lang", "bibliography", "csl", "link-citations", "nocite",
               "reference-section-title", "suppress-bibliography", "number-sections", "fig-format",
               "format", "execute", "engine", "jupyter"}
_KNOWN_FORMAT = {
    "typst": {"papersize", "margin", "fontsize", "mainfont", "section-numbering", "number-sections",
              "fig-format", "keep-typ", "page-numbering", "include-in-header", "citeproc"},
    "html": {"embed-resources", "self-contained", "html-math-method", "number-sections", "fig-format",
             "toc"},
}
_KEY_CHARS = re.compile(r"^[A-Za-z0-9_.\-]+$")
_PUNCT = set(string.punctuation)
_MISSING = object()


class BuildError(RuntimeError):
    """A manuscript problem; the message names file:line and the offending item."""


def _show(path: Path) -> str:
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return paths.rel(path)


def _show_link(path: Path) -> str:
    """Like _show, but without following symlinks (to name the link itself)."""
    given = os.path.abspath(path)
    cwd = os.path.abspath(Path.cwd())
    return os.path.relpath(given, cwd) if _within(Path(given), Path(cwd)) else given


def _within(path: Path, root: Path) -> bool:
    try:
        Path(path).relative_to(root)
        return True
    except ValueError:
        return False


def _root_for(qmd: Path) -> Path:
    """The directory the manuscript `qmd` is confined to (see the module docstring)."""
    repo = CONFINEMENT_ROOT.resolve()
    given, real = Path(os.path.abspath(qmd)), Path(qmd).resolve()
    if _within(given, repo):
        if not _within(real, repo):
            raise BuildError(f"{_show_link(given)}: the manuscript is a link to {real}, outside the repository "
                             f"{repo}; make it a regular file inside the repository")
        return repo
    root = (real.parent / os.path.relpath(repo, paths.PAPER.resolve())).resolve()
    if root == Path(root.anchor):
        raise BuildError(f"{_show_link(given)}: a manuscript outside the repository must sit in a project folder "
                         f"(like <project>/paper/paper.qmd), not directly under {root}")
    return root


def _project_dir(qmd: Path) -> Path:
    """The Quarto project directory of the manuscript: its own folder (the one holding _quarto.yml).

    Quarto compiles typst with `--root` set to it (quarto-cli src/command/render/output-typst.ts:
    `typstOptions.rootDir = project.dir`; src/core/typst.ts adds `--root`), and a `/`-prefixed
    include is relative to it (src/core/handlers/base.ts; a single file is its own project).
    """
    return Path(qmd).resolve().parent


def _outside_project(what: str, arg, target: Path, project: Path) -> str:
    return (f"{what} {arg} is outside the Quarto project directory {_show(project)}/ (it resolves to {_show(target)}): "
            "Quarto compiles typst with --root set to the project directory (quarto-cli "
            "src/command/render/output-typst.ts), where typst would stop with 'would escape the project root'; "
            "use a file inside the project (the build stages results/ into _generated/, tools/render/stage.py)")


def _outside(what: str, arg, target: Path, root: Path) -> str:
    return (f"{what} {arg} is outside the repository {root} (it resolves to {target}); "
            "the manuscript may only use files inside the repository")


def _confined_file(path: Path, root: Path, where: str, what: str, arg=None) -> Path:
    """`path` resolved; BuildError `where: ... outside the repository` if it leaves `root`."""
    real = Path(path).resolve()
    if not _within(real, root):
        raise BuildError(f"{where}: {_outside(what, arg if arg is not None else path, real, root)}")
    return real


def _key_line(path: Path, key: str) -> str:
    """`file:line` of the first line of a YAML file (or front matter) that sets `key`."""
    try:
        lines = Path(path).read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeError):
        lines = []
    pattern = re.compile(r"^\s*-?\s*['\"]?" + re.escape(key) + r"['\"]?\s*:")
    for number, line in enumerate(lines, 1):
        if pattern.match(line):
            return f"{_show(path)}:{number}"
    return _show(path)


def _front_matter_where(qmd: Path, needle: str, key: str) -> str:
    """`file:line` of the first front-matter line of `qmd` containing `needle` (as written, or
    with YAML's escaped quotes), else of the line that sets `key`."""
    try:
        lines = Path(qmd).read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeError):
        return _show(qmd)
    for variant in dict.fromkeys([needle, needle.replace('"', '\\"'), needle.replace("'", "''")]):
        for number, line in enumerate(lines[1:], 2):
            if re.match(r"^(---|\.\.\.)[ \t]*$", line):
                break
            if variant and variant in line:
                return f"{_show(qmd)}:{number}"
    return _key_line(qmd, key)


# ----------------------------------------------------------------------------------------
# Pre-pass: front matter, shortcodes, includes
# ----------------------------------------------------------------------------------------

@dataclasses.dataclass
class Use:
    """One use of a ledger/var key (in prose or in a staged table's cell)."""
    key: str
    kind: str          # "ledger" or "var"
    file: Path
    line: int          # line in `file`
    top_line: int      # line in the top-level .qmd (the include line for included files)


@dataclasses.dataclass
class Expanded:
    """The .qmd after the pre-pass: pandoc markdown body plus what pandoc needs beside it."""
    qmd: Path
    meta: dict                       # front matter, shortcodes resolved (markdown strings)
    body: str                        # markdown without front matter
    linemap: list                    # body line index -> (file, line)
    uses: list[Use]

    def where(self, needle: str) -> list[str]:
        """`file:line` of every body line containing `needle`."""
        hits = []
        for index, line in enumerate(self.body.split("\n")):
            if needle and needle in line and index < len(self.linemap) and self.linemap[index]:
                file, number = self.linemap[index]
                hits.append(f"{_show(file)}:{number}")
        return hits


def _split_front_matter(text: str, qmd: Path) -> tuple[dict, str, str, int]:
    """(metadata, raw yaml, body, first body line)."""
    match = re.match(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", text, re.S | re.M)
    if not match:
        if re.match(r"\A---[ \t]*\r?\n[ \t]*\S", text):  # `---` + text opens a YAML block (pandoc's rule)
            raise BuildError(f"{_show(qmd)}:1: the front matter opened by '---' on line 1 is never closed; "
                             "add a line '---' after its last field")
        return {}, "", text, 1
    raw = match.group(1)
    try:
        meta = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{_show(qmd)}:{mark.line + 2}" if mark else _show(qmd)
        raise BuildError(f"{where}: front matter is not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(meta, dict):
        raise BuildError(f"{_show(qmd)}:1: front matter must be a YAML mapping")
    first_line = text.count("\n", 0, match.end()) + 1
    return meta, raw, text[match.end():], first_line


def _md_escape(text: str) -> str:
    return "".join("\\" + ch if ch in _PUNCT else ch for ch in text)


def _lookup(tree, key: str):
    node = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*?)\r?\n?$")
_SPECIAL = re.compile(r"\\|<!--|`|\{\{|\$")


class _Expander:
    """Expands shortcodes and includes; records key uses.

    `ledger=None` is collect-only mode (`used_keys`): keys are recorded, not checked.
    """

    def __init__(self, qmd: Path, ledger: dict | None, variables, root: Path | None = None):
        self.qmd = qmd
        self.ledger = ledger
        self.variables = variables
        self.root = root if root is not None else _root_for(qmd)
        self.uses: list[Use] = []
        self.stack: list[Path] = [qmd.resolve()]

    # -- errors ------------------------------------------------------------------------
    @staticmethod
    def fail(file: Path, line: int, message: str):
        raise BuildError(f"{_show(file)}:{line}: {message}")

    # -- text ----------------------------------------------------------------------------
    def expand_text(self, text: str, file: Path, first_line: int, top_line: int | None) -> list:
        """Pieces (text, file, line, advance) for a markdown text: fences verbatim, the rest scanned."""
        pieces: list = []
        lines = [line + "\n" for line in text.split("\n")]
        lines[-1] = lines[-1][:-1]
        if not lines[-1]:
            lines.pop()
        segment: list[str] = []
        segment_line = first_line
        index = 0
        while index < len(lines):
            line = lines[index]
            opened = _FENCE_OPEN.match(line)
            if opened and not (opened.group(2)[0] == "`" and "`" in opened.group(3)):
                if segment:
                    pieces += self.scan("".join(segment), file, segment_line, top_line, "text")
                    segment = []
                fence_line = first_line + index
                info = opened.group(3).strip()
                if info.startswith("{") and not re.match(r"\{\s*[.#=]", info):
                    self.fail(file, fence_line, f"executable code cell ```{info} is not supported "
                              "(the manuscript has no computations; put results in the ledger)")
                char, width = opened.group(2)[0], len(opened.group(2))
                closing = re.compile(r"^ {0,3}" + re.escape(char) + "{" + str(width) + r",}[ \t]*\r?\n?$")
                block = [line]
                index += 1
                while index < len(lines):
                    block.append(lines[index])
                    index += 1
                    if closing.match(block[-1]):
                        break
                pieces.append(("".join(block), file, fence_line, True))
                segment_line = first_line + index
                continue
            if not segment:
                segment_line = first_line + index
            segment.append(line)
            index += 1
        if segment:
            pieces += self.scan("".join(segment), file, segment_line, top_line, "text")
        return pieces

    def scan(self, seg: str, file: Path, first_line: int, top_line: int | None, mode: str) -> list:
        """Scan a non-fenced segment; replace shortcodes outside code spans and comments."""
        pieces: list = []
        n = len(seg)
        literal_from = 0

        def line_at(pos: int) -> int:
            return first_line + seg.count("\n", 0, pos)

        def flush(upto: int):
            if upto > literal_from:
                pieces.append((seg[literal_from:upto], file, line_at(literal_from), True))

        pos = 0
        while True:
            match = _SPECIAL.search(seg, pos)
            if not match:
                break
            i, token = match.start(), match.group()
            if token == "\\":
                pos = i + 2
            elif token == "<!--":
                end = seg.find("-->", i + 4)
                pos = n if end < 0 else end + 3
            elif token == "`":
                run = len(re.match(r"`+", seg[i:]).group())
                close = re.compile(r"(?<!`)`{%d}(?!`)" % run).search(seg, i + run)
                pos = close.end() if close else i + run
            elif token == "{{":
                if seg.startswith("{{{<", i):
                    end = seg.find(">}}}", i)
                    if end < 0:
                        self.fail(file, line_at(i), "unterminated escaped shortcode {{{< ... >}}}")
                    flush(i)
                    pieces.append((seg[i + 1:end + 3], file, line_at(i), True))
                    literal_from = pos = end + 4
                elif seg.startswith("{{<", i):
                    end = seg.find(">}}", i + 3)
                    if end < 0 or "{{<" in seg[i + 3:end]:
                        self.fail(file, line_at(i), "unterminated shortcode {{< ... (no >}})")
                    flush(i)
                    line_start = seg.rfind("\n", 0, i) + 1
                    line_end = seg.find("\n", end)
                    line_end = n if line_end < 0 else line_end
                    own_line = not seg[line_start:i].strip() and not seg[end + 3:line_end].strip()
                    pieces += self.shortcode(seg[i + 3:end], file, line_at(i), top_line, mode, own_line)
                    literal_from = pos = end + 3
                else:
                    pos = i + 2
            else:  # "$": math keeps shortcodes but takes them as plain text
                if seg.startswith("$$", i):
                    end = seg.find("$$", i + 2)
                    if end < 0:
                        pos = i + 2
                        continue
                    flush(i)
                    pieces += self.scan_math(seg[i:end + 2], file, line_at(i), top_line)
                    literal_from = pos = end + 2
                    continue
                end = self._inline_math_end(seg, i)
                if end is None:
                    pos = i + 1
                    continue
                flush(i)
                pieces += self.scan_math(seg[i:end + 1], file, line_at(i), top_line)
                literal_from = pos = end + 1
        flush(n)
        return pieces

    @staticmethod
    def _inline_math_end(seg: str, i: int):
        """Pandoc's rule: `$` + non-space ... non-space + `$` not followed by a digit."""
        if i + 1 >= len(seg) or seg[i + 1].isspace():
            return None
        k = i + 1
        while True:
            k = seg.find("$", k)
            if k < 0 or "\n\n" in seg[i:k]:
                return None
            if seg[k - 1] != "\\" and not seg[k - 1].isspace() and not (k + 1 < len(seg) and seg[k + 1].isdigit()):
                return k
            k += 1

    def scan_math(self, math: str, file: Path, first_line: int, top_line: int | None) -> list:
        pieces, last = [], 0
        for found in re.finditer(r"\{\{<(.*?)>\}\}", math, re.S):
            if found.start() > last:
                pieces.append((math[last:found.start()], file, first_line + math.count("\n", 0, last), True))
            line = first_line + math.count("\n", 0, found.start())
            pieces += self.shortcode(found.group(1), file, line, top_line, "math", False)
            last = found.end()
        pieces.append((math[last:], file, first_line + math.count("\n", 0, last), True))
        return pieces

    # -- shortcodes ------------------------------------------------------------------------
    def shortcode(self, inner: str, file: Path, line: int, top_line: int | None, mode: str, own_line: bool) -> list:
        shown = "{{< " + inner.strip() + " >}}"
        try:
            parts = shlex.split(inner)
        except ValueError as exc:
            self.fail(file, line, f"cannot parse shortcode {shown}: {exc}")
        if not parts:
            self.fail(file, line, "empty shortcode {{< >}}")
        name, args = parts[0], parts[1:]
        top = top_line if top_line is not None else line
        if name in ("ledger", "var"):
            if len(args) != 1 or "=" in args[0]:
                self.fail(file, line, f"shortcode {shown} takes exactly one key")
            key = args[0]
            if not _KEY_CHARS.match(key):
                self.fail(file, line, f"malformed key {key!r} in {shown}")
            self.uses.append(Use(key, name, file, line, top))
            formatted, from_ledger = self.resolve(name, key, file, line)
            if mode == "math":
                return [(formatted.replace("%", r"\%"), file, line, False)]
            if from_ledger:
                return [(f'[{_md_escape(formatted)}]{{.ledger data-ledger-key="{key}"}}', file, line, False)]
            return [(_md_escape(formatted), file, line, False)]
        if name == "include":
            if mode != "text":
                self.fail(file, line, f"{shown} is not allowed in {'math' if mode == 'math' else 'front matter'}")
            if len(args) != 1:
                self.fail(file, line, f"shortcode {shown} takes exactly one path")
            return self.include(args[0], file, line, top, own_line)
        self.fail(file, line, f"unsupported shortcode '{name}' in {shown} "
                  "(the fallback renderer knows ledger, var and include)")

    def resolve(self, name: str, key: str, file: Path, line: int) -> tuple[str, bool]:
        if self.ledger is None:  # collect-only
            return "0", True
        entry = self.ledger.get(key)
        if name == "ledger":
            if entry is None:
                self.fail(file, line, f"unknown ledger key '{key}' in {{{{< ledger {key} >}}}}: "
                          + self.unknown_key_hint(key))
            return str(entry["formatted"]), True
        value = _lookup(self.variables, key) if self.variables is not None else _MISSING
        if entry is not None:
            if self.variables is not None:
                if value is _MISSING:
                    self.fail(file, line, f"var key '{key}' is in the ledger but missing from _variables.yml "
                              "(Quarto would print ?var); regenerate _variables.yml")
                if str(value) != str(entry["formatted"]):
                    self.fail(file, line, f"var key '{key}': _variables.yml says {value!r}, "
                              f"the ledger says {entry['formatted']!r}; regenerate _variables.yml")
            return str(entry["formatted"]), True
        if value is _MISSING:
            self.fail(file, line, f"unknown var key '{key}' (neither in the ledger nor in _variables.yml)")
        if isinstance(value, (dict, list)):
            self.fail(file, line, f"var key '{key}' is not a leaf of _variables.yml")
        return str(value), False

    def unknown_key_hint(self, key: str) -> str:
        close = difflib.get_close_matches(key, list(self.ledger or ()), n=1)
        return ((f"did you mean '{close[0]}'? " if close else "")
                + "Fix the key, or rerun the analysis script that writes it (make analysis)")

    def include(self, arg: str, file: Path, line: int, top: int, own_line: bool) -> list:
        """Quarto's include rule (quarto-cli src/core/handlers/base.ts, resolvePath, used for nested
        includes too by src/core/handlers/include-standalone.ts): a path is relative to the main
        document's directory, or to the project directory when it starts with `/`; never to the
        including file. Only an include on a line of its own is a directive
        (src/core/lib/parse-shortcode.ts, isBlockShortcode)."""
        shown = "{{< include " + arg + " >}}"
        if not own_line:
            self.fail(file, line, f"{shown} must be on a line of its own: Quarto treats only a line holding "
                      "nothing but the shortcode as an include (src/core/lib/parse-shortcode.ts, isBlockShortcode)")
        main_dir = self.qmd.resolve().parent
        base = _project_dir(self.qmd) if arg.startswith("/") else main_dir
        target = (base / arg.lstrip("/")).resolve()
        if not _within(target, self.root):
            self.fail(file, line, _outside("include", arg, target, self.root))
        if not target.is_file():
            beside = (file.resolve().parent / arg).resolve()
            if not arg.startswith("/") and file.resolve() != self.qmd.resolve() and beside.is_file() \
                    and _within(beside, self.root):
                fixed = os.path.relpath(beside, main_dir).replace(os.sep, "/")
                self.fail(file, line, f"{shown} is written relative to the including file {_show(file)}, but Quarto "
                          f"resolves every include, nested ones too, relative to the main document {_show(self.qmd)} "
                          "(or to the project directory for a path starting with /; quarto-cli "
                          "src/core/handlers/base.ts resolvePath, issue 7123); Quarto would stop with "
                          f"'Include directive failed': write {{{{< include {fixed} >}}}}")
            self.fail(file, line, f"include file not found: {arg} (looked for {_show(target)}, relative to the main "
                      f"document {_show(self.qmd)} as Quarto does)")
        if target in self.stack:
            self.fail(file, line, f"include cycle: {arg} includes itself")
        try:
            text = target.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.fail(file, line, f"include {arg} is not UTF-8 text")
        except OSError as exc:
            self.fail(file, line, f"cannot read include {arg}: {exc.strerror or exc}")
        if text.endswith("\n"):
            text = text[:-1]
        self.stack.append(target)
        pieces = self.expand_text(text, target, 1, top)
        self.stack.pop()
        return pieces

    # -- front matter ------------------------------------------------------------------------
    def expand_meta(self, value, raw: str, file: Path):
        if isinstance(value, dict):
            return {k: self.expand_meta(v, raw, file) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand_meta(v, raw, file) for v in value]
        if isinstance(value, str) and "{{<" in value:
            first = value[value.index("{{<"):value.index("{{<") + 40].split(">}}")[0]
            offset = raw.find(first)
            line = 2 + (raw.count("\n", 0, offset) if offset >= 0 else 0)
            pieces = self.scan(value, file, line, None, "meta")
            return "".join(p[0] for p in pieces)
        return value


def _assemble(pieces: list) -> tuple[str, list]:
    text_parts, linemap = [], [None]
    for text, file, line, advance in pieces:
        if linemap[-1] is None:
            linemap[-1] = (file, line)
        chunks = text.split("\n")
        for k in range(1, len(chunks)):
            nxt = (file, line + k if advance else line)
            linemap.append(nxt if (k < len(chunks) - 1 or chunks[-1]) else None)
        text_parts.append(text)
    return "".join(text_parts), linemap


def _read_yaml_beside(qmd: Path, name: str):
    """A YAML file beside the .qmd (None when absent), confined to the manuscript's root."""
    path = qmd.parent / name
    if not path.is_file():
        return None
    _confined_file(path, _root_for(qmd), _show_link(path), name)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{_show(path)}:{mark.line + 1}" if mark else _show(path)
        raise BuildError(f"{where}: not valid YAML: {' '.join(str(exc).split())}") from None
    except UnicodeDecodeError:
        raise BuildError(f"{_show(path)}: not UTF-8 text") from None


def _load_variables(qmd: Path):
    return _read_yaml_beside(qmd, "_variables.yml")


def _load_ledger(ledger) -> dict:
    if isinstance(ledger, dict):
        return ledger
    path = Path(ledger) if ledger is not None else paths.LEDGER
    try:
        return ledger_mod.load(path)
    except ledger_mod.LedgerError as exc:
        raise BuildError(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise BuildError(f"{_show(path)} is not valid JSON: {exc}") from None


def preprocess(qmd_path: str | os.PathLike = DEFAULT_QMD, ledger=None) -> Expanded:
    """Expand front matter, shortcodes and includes of `qmd_path`.

    `ledger` is the entries dict, or a path to ledger.json (default results/ledger.json).
    Raises BuildError naming file:line on an unknown key, shortcode or include.
    """
    qmd = Path(qmd_path)
    text = _read_manuscript(qmd)
    entries = _load_ledger(ledger)
    return _expand(qmd, text, entries, _load_variables(qmd))


def _read_manuscript(qmd: Path) -> str:
    if not qmd.is_file():
        raise BuildError(f"{_show(qmd)}: manuscript not found; pass an existing .qmd with --qmd")
    _root_for(qmd)
    try:
        return qmd.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BuildError(f"{_show(qmd)}: the manuscript is not UTF-8 text") from None


def _expand(qmd: Path, text: str, entries: dict | None, variables) -> Expanded:
    expander = _Expander(qmd, entries, variables)
    meta, raw, body, first_line = _split_front_matter(text, qmd)
    meta = expander.expand_meta(meta, raw, qmd)
    body_text, linemap = _assemble(expander.expand_text(body, qmd, first_line, None))
    return Expanded(qmd, meta, body_text, linemap, expander.uses)


def key_uses(qmd_path: str | os.PathLike = DEFAULT_QMD) -> list[Use]:
    """Every use of a ledger/var key in the manuscript and its includes (the staged tables' cells
    too), in document order, each with its file and line. The ledger is not consulted."""
    qmd = Path(qmd_path)
    return _expand(qmd, _read_manuscript(qmd), None, None).uses


def used_keys(qmd_text: str, base_dir: str | os.PathLike | None = None) -> list[tuple[str, int]]:
    """Every ledger/var key the manuscript uses, with its line in the top-level .qmd.

    Keys inside included files (the staged tables too) are reported at the line of the include. `base_dir` resolves includes (default: paper/). The ledger
    is not consulted, so this works before the analysis has run.
    """
    base = Path(base_dir) if base_dir is not None else paths.PAPER
    expanded = _expand(base / "paper.qmd", qmd_text, None, None)
    return [(use.key, use.top_line) for use in expanded.uses]


# ----------------------------------------------------------------------------------------
# Settings from front matter and _quarto.yml
# ----------------------------------------------------------------------------------------

@dataclasses.dataclass
class Settings:
    bibliography: list[Path]
    csl: Path | None
    number_sections: bool
    typst: dict
    date_text: str | None
    timestamp: int
    header_includes: list[Path] = dataclasses.field(default_factory=list)   # format.typst.include-in-header
    typst_citeproc: bool = False                                            # format.typst.citeproc


def _project_config(qmd: Path) -> dict:
    config = _read_yaml_beside(qmd, "_quarto.yml")
    return config if isinstance(config, dict) else {}


def _format_options(config: dict, name: str) -> dict:
    formats = config.get("format")
    if isinstance(formats, dict) and isinstance(formats.get(name), dict):
        return formats[name]
    return {}


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _date(value, qmd: Path) -> tuple[str | None, int]:
    """Quarto-style date text ("March 5, 2025") and the PDF creation timestamp."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    stamp = int(epoch) if epoch and epoch.strip().isdigit() else None
    day = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and value.strip() in ("today", "now", "last-modified"):
        day = (dt.datetime.fromtimestamp(stamp, dt.timezone.utc) if stamp is not None
               else dt.datetime.now(dt.timezone.utc)).date()
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if stamp is None:
        stamp = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()) if day else 0
    if day is not None:
        return f"{day.strftime('%B')} {day.day}, {day.year}", stamp
    return (str(value) if value is not None else None), stamp


def _settings(expanded: Expanded) -> Settings:
    qmd, meta = expanded.qmd, expanded.meta
    project = _project_config(qmd)
    merged = {k: v for k, v in project.items() if k not in ("project", "format")}
    merged.update({k: v for k, v in meta.items() if k != "format"})
    root = _root_for(qmd)
    project_yml = qmd.parent / "_quarto.yml"
    typst_opts = dict(TYPST_DEFAULTS)
    typst_from: dict[str, Path] = {}
    html_opts: dict = {}
    for where, source in ((project_yml, project), (qmd, meta)):
        unknown = sorted(k for k in source if k not in _KNOWN_META and k != "project")
        if unknown:
            raise BuildError(f"{_key_line(where, unknown[0])}: option(s) {', '.join(unknown)} not supported by the "
                             f"fallback renderer (tools/render knows {', '.join(sorted(_KNOWN_META))}); remove them")
        for name, known in _KNOWN_FORMAT.items():
            options = _format_options(source, name)
            unknown = sorted(k for k in options if k not in known)
            if options.get("toc"):
                unknown.append("toc")
            if unknown:
                raise BuildError(f"{_key_line(where, unknown[0])}: format.{name} option(s) {', '.join(unknown)} not "
                                 f"supported by the fallback renderer (it knows {', '.join(sorted(known - {'toc'}))})")
        typst_opts.update(_format_options(source, "typst"))
        typst_from.update(dict.fromkeys(_format_options(source, "typst"), where))
        html_opts.update(_format_options(source, "html"))
    _check_typst_values(typst_opts, typst_from)
    lang = meta.get("lang")
    if lang is not None and not (isinstance(lang, str) and _LANG.fullmatch(lang)):
        raise BuildError(f"{_key_line(qmd, 'lang')}: lang {lang!r} is not a language tag; write e.g. en or en-GB")

    def source_of(key: str) -> Path:
        return qmd if key in meta else project_yml

    bibliography = []
    for entry in _as_list(merged.get("bibliography")):
        where = _key_line(source_of("bibliography"), "bibliography")
        path = _confined_file(qmd.parent / str(entry), root, where, "bibliography", entry)
        if not path.is_file():
            raise BuildError(f"{where}: bibliography file not found: {entry} (looked for {_show(path)})")
        bibliography.append(path)
    csl = None
    if merged.get("csl"):
        where = _key_line(source_of("csl"), "csl")
        csl = _confined_file(qmd.parent / str(merged["csl"]), root, where, "csl", merged["csl"])
        if not csl.is_file():
            raise BuildError(f"{where}: csl file not found: {merged['csl']} (looked for {_show(csl)})")
    number_sections = bool(typst_opts.get("number-sections", merged.get("number-sections", True)))
    date_text, stamp = _date(meta.get("date"), qmd)
    headers = [_header_include(entry, typst_from.get("include-in-header", project_yml), qmd, root)
               for entry in _as_list(typst_opts.get("include-in-header"))]
    return Settings(bibliography, csl, number_sections, typst_opts, date_text, stamp, headers,
                    typst_opts.get("citeproc") is True)


def _header_include(entry, source: Path, qmd: Path, root: Path) -> Path:
    """A format.typst.include-in-header file (a path, or {file: path}; Quarto's schema,
    src/resources/schema/document-includes.yml): inside the repository, no package imports."""
    where = _key_line(source, "include-in-header")
    if isinstance(entry, dict) and set(entry) == {"file"}:
        entry = entry["file"]
    if not isinstance(entry, str):
        raise BuildError(f"{where}: format.typst.include-in-header takes file paths only (inline `text:` would "
                         "pass raw typst through); put the typst code in a file such as style.typ")
    path = _confined_file(qmd.parent / entry, root, where, "include-in-header", entry)
    if not path.is_file():
        raise BuildError(f"{where}: include-in-header file not found: {entry} (looked for {_show(path)})")
    _refuse_packages(path)
    return path


def _check_typst_values(opts: dict, source: dict) -> None:
    """Typst options go verbatim into typst code: only plain names and lengths are accepted."""
    for name, (pattern, what) in _TYPST_VALUES.items():
        value = opts.get(name)
        if value is None or value is False:
            continue
        values = value.items() if name == "margin" and isinstance(value, dict) else [(None, value)]
        for side, item in values:
            label = f"{name}.{side}" if side else name
            if isinstance(item, bool) or not re.fullmatch(pattern, str(item)):
                where = _key_line(source[name], side or name) if name in source else "tools/render/renderer.py"
                raise BuildError(f"{where}: format.typst.{label} {str(item)!r} is not allowed; write {what}")


def _authors(value) -> list[dict]:
    authors = []
    for item in _as_list(value):
        if isinstance(item, str):
            authors.append({"name": item})
            continue
        if not isinstance(item, dict):
            continue
        name = item.get("name", "")
        if isinstance(name, dict):
            name = name.get("literal") or " ".join(str(name[k]) for k in ("given", "family") if name.get(k))
        affiliations = []
        for aff in _as_list(item.get("affiliations", item.get("affiliation"))):
            affiliations.append(aff.get("name", "") if isinstance(aff, dict) else str(aff))
        author = {"name": str(name)}
        if affiliations:
            author["affiliation"] = "; ".join(a for a in affiliations if a)
        if item.get("email"):
            author["email"] = str(item["email"])
        authors.append(author)
    return authors


def _pandoc_meta(expanded: Expanded, settings: Settings, fmt: str) -> dict:
    meta = {k: v for k, v in expanded.meta.items() if k not in _NOT_META}
    for key, value in meta.items():  # YAML dates and numbers become strings for pandoc
        if isinstance(value, (dt.date, int, float)) and not isinstance(value, bool):
            meta[key] = str(value)
    authors = _authors(expanded.meta.get("author"))
    if authors:
        meta["author"] = authors if fmt == "typst" else [a["name"] for a in authors]
    if settings.date_text is not None:
        meta["date"] = settings.date_text
    if settings.bibliography:
        meta["bibliography"] = [str(p) for p in settings.bibliography]
    if settings.csl:
        meta["csl"] = str(settings.csl)
    meta.setdefault("lang", "en")
    if fmt == "html" and not meta.get("title"):
        meta["pagetitle"] = expanded.qmd.stem
    return meta


# ----------------------------------------------------------------------------------------
# pandoc
# ----------------------------------------------------------------------------------------

_PANDOC: str | None = None


def _pandoc() -> str:
    global _PANDOC
    if _PANDOC is None:
        import pypandoc
        _PANDOC = pypandoc.get_pandoc_path()
    return _PANDOC


# The fallback's stand-in for the look of Quarto's HTML theme. The .ledger style is not here: it is
# the extension's ledger.css (LEDGER_CSS), which Quarto adds through the shortcode.
_HTML_STYLE = """
figure { text-align: center; margin: 1.5em auto; }
figure img, figure svg { max-width: 100%; height: auto; }
table { margin: 1em auto; border-collapse: collapse; border-top: 1.5px solid; border-bottom: 1.5px solid; }
thead th { border-bottom: 1px solid; }
th, td { padding: 0.2em 0.7em; }
caption { caption-side: top; padding-bottom: 0.4em; }
"""


def _pandoc_env(tmp: Path, settings: Settings) -> dict[str, str]:
    """pandoc's whole environment: nothing is inherited from the build's process (a filter's
    os.getenv sees only these), and the filter's inputs are files in the build directory."""
    return {"PAPER_BUILD_LEDGER": str(tmp / "ledger.json"),
            "PAPER_BUILD_IMAGES": str(tmp / "images.json"),
            "PAPER_BUILD_SPAN": str(SPAN_LUA),
            "PAPER_BUILD_NUMBER_SECTIONS": "1" if settings.number_sections else "0"}


def _pandoc_base(tmp: Path) -> list[str]:
    data_dir = tmp / "pandoc-data"  # empty: no user templates, filters or defaults
    data_dir.mkdir(exist_ok=True)
    return [_pandoc(), "--sandbox", f"--data-dir={data_dir}", "--from=markdown"]


def _run_pandoc(expanded: Expanded, settings: Settings, fmt: str, out: Path, tmp: Path, extra: list[str]) -> dict:
    """Run pandoc (sandboxed) to `out`; returns the checked figures {src: {"typst", "path"}}."""
    meta_file = tmp / f"meta-{fmt}.yaml"
    meta_file.write_text(
        yaml.safe_dump(_pandoc_meta(expanded, settings, fmt), allow_unicode=True, sort_keys=True), encoding="utf-8")
    images = _check_document(expanded, settings, meta_file, tmp)
    (tmp / "images.json").write_text(json.dumps(images), encoding="utf-8")
    cmd = [*_pandoc_base(tmp), f"--to={fmt if fmt != 'html' else 'html5'}", "--standalone",
           f"--metadata-file={meta_file}", f"--lua-filter={FILTER}",
           "--citeproc", "--fail-if-warnings", f"--resource-path={expanded.qmd.parent}",
           f"--output={out}", *extra]
    proc = subprocess.run(cmd, input=expanded.body.encode("utf-8"), cwd=expanded.qmd.parent,
                          capture_output=True, env=_pandoc_env(tmp, settings))
    stderr = proc.stderr.decode("utf-8", "replace")
    problems = _problems(expanded, stderr)
    if proc.returncode != 0 or problems:
        if not problems:
            problems = [_pandoc_failure(expanded, f"pandoc ({fmt})", proc.returncode, stderr)]
        raise BuildError("\n".join(problems))
    return images


def _pandoc_failure(expanded: Expanded, what: str, code: int, stderr: str) -> str:
    detail = "; ".join(line.strip() for line in stderr.splitlines() if line.strip()) or "no message"
    return f"{_show(expanded.qmd)}: {what} failed with exit code {code}: {detail}"


def _pandoc_ast(expanded: Expanded, tmp: Path, args: list[str], text: str) -> dict:
    """The document as pandoc parses it (JSON AST), with no filters and in the sandbox."""
    proc = subprocess.run([*_pandoc_base(tmp), "--to=json", *args], input=text.encode("utf-8"),
                          cwd=expanded.qmd.parent, capture_output=True, env={})
    if proc.returncode != 0:
        raise BuildError(_pandoc_failure(expanded, "pandoc (parsing the manuscript)", proc.returncode,
                                         proc.stderr.decode("utf-8", "replace")))
    return json.loads(proc.stdout)


def _walk(node, found: list) -> None:
    """Collect RawBlock, RawInline and Image elements of a pandoc JSON AST in document order."""
    if isinstance(node, dict):
        kind = node.get("t")
        if kind in ("RawBlock", "RawInline", "Image"):
            found.append(node)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


def _first_line(text: str) -> str:
    """The first non-blank line of a raw snippet, stripped (what is searched for in the source)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _raw_allowed(fmt: str, text: str) -> bool:
    if (fmt, text.strip()) in RAW_ALLOWED:
        return True
    comment = text.strip()
    return fmt == "html" and comment.startswith("<!--") and comment.endswith("-->") and "-->" not in comment[4:-3]


def _raw_problem(fmt: str, kind: str, text: str) -> str:
    snippet = " ".join(text.split())
    snippet = snippet if len(snippet) <= 60 else snippet[:57] + "..."
    what = "block" if kind == "RawBlock" else "inline"
    if fmt == "typst" and _PACKAGE.search(text):
        return (f"typst package import in a raw typst {what} `{snippet}` is refused (the build downloads "
                "nothing and reads nothing outside the repository); write the content in markdown")
    return (f"raw {fmt} {what} `{snippet}` is not allowed: the manuscript may not pass {fmt} through to "
            "the renderer; write it in markdown (or add the exact snippet to RAW_ALLOWED in tools/render/renderer.py)")


def _check_document(expanded: Expanded, settings: Settings, meta_file: Path, tmp: Path) -> dict:
    """Refuse what pandoc would pass through or read: raw blocks/inlines, figures outside the
    repository, metadata outside the front matter. Returns the checked figures by source."""
    qmd, root, project = expanded.qmd, _root_for(expanded.qmd), _project_dir(expanded.qmd)
    locate = _Locator(expanded)
    problems: list[str] = []
    body = _pandoc_ast(expanded, tmp, [], expanded.body)
    if body.get("meta"):
        keys = list(body["meta"])
        hits = [hit for key in keys for hit in expanded.where(f"{key}:")[:1]]
        where = hits[0] if hits else _show(qmd)
        problems.append(f"{where}: metadata outside the front matter ({', '.join(keys)}; a YAML block or title "
                        f"block in the body) is not allowed; move it into the front matter at the top of {qmd.name}")
    images: dict[str, dict] = {}
    raw_at: set[str] = set()  # one report per source line (an HTML element is two raw pieces)
    found: list = []
    _walk(body.get("blocks", []), found)
    for node in found:
        if node["t"] == "Image":
            src = node["c"][2][0]
            if re.match(r"^[A-Za-z][\w+.-]*:", src):
                continue  # the filter refuses URLs
            path = Path(src) if os.path.isabs(src) else qmd.parent.resolve() / src
            real = path.resolve()
            if not _within(real, root):
                problems.append(f"{locate(src)}: {_outside('figure', src, real, root)}")
            elif not _within(real, project):
                problems.append(f"{locate(src)}: {_outside_project('figure', src, real, project)}")
            elif real.is_file():
                images[src] = {"typst": "/" + real.relative_to(project).as_posix(), "path": str(real)}
            continue
        fmt, text = node["c"]
        if not _raw_allowed(fmt, text):
            where = locate(_first_line(text))
            if where not in raw_at:
                raw_at.add(where)
                problems.append(f"{where}: {_raw_problem(fmt, node['t'], text)}")
    meta = _pandoc_ast(expanded, tmp, [f"--metadata-file={meta_file}"], "")
    for key, value in meta.get("meta", {}).items():
        found = []
        _walk(value, found)
        for node in found:
            if node["t"] == "Image":
                src = node["c"][2][0]
                problems.append(f"{_front_matter_where(qmd, src, key)}: images are not allowed in the front matter "
                                f"('{key}': {src})")
            elif not _raw_allowed(*node["c"]):
                fmt, text = node["c"]
                problems.append(f"{_front_matter_where(qmd, _first_line(text), key)}: {_raw_problem(fmt, node['t'], text)} "
                                f"(in the front matter, '{key}')")
    if problems:
        raise BuildError("\n".join(dict.fromkeys(problems)))
    return images


class _Locator:
    """`file:line` of a token in the expanded body; the n-th report of the same token goes to its
    n-th occurrence (pandoc and the filter walk the document in order)."""

    def __init__(self, expanded: Expanded):
        self.expanded = expanded
        self.seen: dict[str, int] = {}

    def __call__(self, token: str) -> str:
        hits = self.expanded.where(token) if token else []
        nth = self.seen.get(token, 0)
        self.seen[token] = nth + 1
        return hits[min(nth, len(hits) - 1)] if hits else _show(self.expanded.qmd)


def _problems(expanded: Expanded, stderr: str) -> list[str]:
    """Problems reported by the filter and pandoc warnings, located at file:line."""
    locate = _Locator(expanded)
    problems: list[str] = []
    for line in stderr.splitlines():
        if line.startswith("PAPERBUILD-PROBLEM\t"):
            _, token, message = line.split("\t", 2)
            problems.append(f"{locate(token)}: {message}")
        elif line.startswith("[WARNING]"):
            text = line[len("[WARNING]"):].strip()
            missing = re.search(r"citation (\S+) not found", text)
            if missing:
                key = missing.group(1)
                problems.append(f"{locate('@' + key)}: citation @{key} not found in the bibliography")
            else:
                problems.append(f"{_show(expanded.qmd)}: pandoc warning (treated as an error): {text}")
    return list(dict.fromkeys(problems))


def _write_ledger_for_filter(entries: dict, tmp: Path) -> None:
    (tmp / "ledger.json").write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")


def _typst_vars(settings: Settings, template: Path = TEMPLATE) -> list[str]:
    opts = settings.typst
    # Quarto's typst format writes with wrap: none (quarto-cli src/format/typst/format-typst.ts)
    args = [f"--template={template}", "--wrap=none"]
    for name in ("papersize", "fontsize", "mainfont"):
        if opts.get(name):
            args.append(f"--variable={name}:{opts[name]}")
    margin = opts.get("margin") or {}
    if isinstance(margin, dict):
        for side in ("x", "y", "top", "bottom", "left", "right"):
            if margin.get(side):
                args.append(f"--variable=margin-{side}:{margin[side]}")
    if settings.number_sections:
        args.append(f"--variable=section-numbering:{opts.get('section-numbering') or '1.1'}")
    if opts.get("page-numbering"):   # Quarto's page.typ: no page numbers unless page-numbering is set
        args.append(f"--variable=page-numbering:{opts['page-numbering']}")
    args += [f"--include-in-header={path}" for path in settings.header_includes]
    return args


# ----------------------------------------------------------------------------------------
# Public entry points
# ----------------------------------------------------------------------------------------

def _prepare(qmd_path, ledger_path):
    entries = _load_ledger(ledger_path)
    expanded = preprocess(qmd_path, entries)
    return entries, expanded, _settings(expanded)


@contextlib.contextmanager
def _build_dir(qmd: Path):
    """A fresh temporary directory in <manuscript folder>/.build/ (inside the root), removed after."""
    base = Path(qmd).resolve().parent / BUILD_DIR
    for attempt in range(3):  # another build may remove an empty .build/ between mkdir and mkdtemp
        try:
            base.mkdir(exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix="paper-build-", dir=base))
            break
        except FileNotFoundError:
            if attempt == 2:
                raise
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(OSError):
            base.rmdir()  # only when empty


def _refuse_packages(path: Path) -> None:
    """BuildError `file:line` on a typst package import in a template or style file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise BuildError(f"{_show(path)}: cannot read the typst file: {exc}") from None
    for number, line in enumerate(text.split("\n"), 1):
        if _PACKAGE.search(line):
            raise BuildError(f"{_show(path)}:{number}: typst package import `{line.strip()}` is refused "
                             "(the build downloads nothing); copy the code you need into the file")


def _checked_template(root: Path) -> Path:
    """The typst template, inside the repository and without package imports."""
    real = Path(TEMPLATE).resolve()
    if not (_within(real, CONFINEMENT_ROOT.resolve()) or _within(real, root)):
        repo = CONFINEMENT_ROOT.resolve()
        raise BuildError(f"{_show(TEMPLATE)}: {_outside('the template', _show(TEMPLATE), real, repo)}")
    _refuse_packages(real)
    return real


def _typst_source(entries: dict, expanded: Expanded, settings: Settings, tmp: Path) -> tuple[str, dict]:
    """pandoc stage of the PDF build: (typst source, checked figures)."""
    template = _checked_template(_root_for(expanded.qmd))
    if settings.bibliography and not settings.typst_citeproc:
        where = _key_line(expanded.qmd.parent / "_quarto.yml", "typst")
        raise BuildError(f"{where}: set format.typst.citeproc: true: Quarto's typst format defaults to "
                         "citeproc: false (quarto-cli src/format/typst/format-typst.ts), i.e. typst's own numeric "
                         "citations and 'Bibliography' heading, which differ from the HTML and which the fallback "
                         "does not implement")
    _write_ledger_for_filter(entries, tmp)
    images = _run_pandoc(expanded, settings, "typst", tmp / "out.typ", tmp, _typst_vars(settings, template))
    source = (tmp / "out.typ").read_text(encoding="utf-8")
    # pandoc writes `caption: [\n    Text\n  ]`; the leading newline would print as a
    # second space after "Figure 1:".
    return re.sub(r"(caption: \[)\s+", r"\1", source), images


def render_typst(qmd_path=DEFAULT_QMD, typ_path=None, ledger_path=None) -> tuple[Path, Settings]:
    """pandoc stage of the PDF build: write the typst source to `typ_path`. Figure paths in it
    are relative to the typst root (the Quarto project directory, the folder of the .qmd)."""
    entries, expanded, settings = _prepare(qmd_path, ledger_path)
    typ = Path(typ_path) if typ_path else Path(qmd_path).with_suffix(".typ")
    with _build_dir(expanded.qmd) as tmp:
        source, _ = _typst_source(entries, expanded, settings, tmp)
    atomic.write_text(typ, source)
    return typ, settings


@dataclasses.dataclass
class _TypstContext:
    """What a typst diagnostic is mapped back to: the manuscript, its figures, the kept source."""
    expanded: Expanded
    images: dict
    kept: Path | None
    source: str


_DIAGNOSTIC_AT = re.compile(r"┌─ (.+?):(\d+):(\d+)")


def _typst_message(kind: str, item, typ: Path, context: _TypstContext | None) -> str:
    """One line for a typst error or warning, located in the manuscript where possible."""
    message = " ".join(str(getattr(item, "message", item)).split())
    hints = [" ".join(str(h).split()) for h in (getattr(item, "hints", None) or [])]
    text = message + "".join(f" (hint: {h})" for h in hints)
    at = _DIAGNOSTIC_AT.search(str(getattr(item, "diagnostic", "") or ""))
    if at is None:
        where = _show(context.expanded.qmd) if context else _show(typ)
        return f"{where}: typst {kind}: {text}"
    file, line, col = at.group(1), int(at.group(2)), int(at.group(3))
    if context is not None:  # in a figure (typst names the image file, or the line that loads it)
        lines = context.source.split("\n")
        code = lines[line - 1] if 0 < line <= len(lines) and Path(file).name == typ.name else ""
        root = _project_dir(context.expanded.qmd)
        named = {Path(file).resolve(), (root / file.lstrip("/")).resolve()}
        for src, image in context.images.items():
            if Path(image["path"]) in named or f'"{image["typst"]}"' in code:
                return (f"{_Locator(context.expanded)(src)}: typst {kind} in figure {src}: {text}; "
                        "check that the file is a valid image")
    if Path(file).name != typ.name:  # in another file typst read
        return f"{file}:{line}:{col}: typst {kind}: {text}"
    if context is None:
        return f"{_show(typ)}:{line}:{col}: typst {kind}: {text}"
    try:
        template = Path(TEMPLATE).read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeError):
        template = []
    same = [n for n, t in enumerate(template, 1) if code.strip() and t.strip() == code.strip()]
    if len(same) == 1:
        return f"{_show(TEMPLATE)}:{same[0]}: typst {kind} in the template: {text}"
    if context.kept is not None:
        return (f"{_show(context.kept)}:{line}:{col}: typst {kind}: {text} "
                f"(generated from {_show(context.expanded.qmd)})")
    snippet = " ".join(code.split())[:60]
    return (f"{_show(context.expanded.qmd)}: typst {kind} at {line}:{col} of the generated typst source "
            f"(`{snippet}`): {text}; rerun with --keep-typ OUT.typ to inspect it")


def _compile_typst(typ: Path, timestamp: int, fmt: str = "pdf", ppi: float | None = None, *,
                   root: Path | None = None, context: _TypstContext | None = None):
    """Compile with typst's root at `root` (default: the root of the manuscript folder holding
    `typ`), only typst's embedded fonts, no package directories and no sys.inputs."""
    import typst
    typ = Path(typ)
    root = Path(root).resolve() if root is not None else _root_for(typ)
    if not _within(typ.resolve(), root):
        raise BuildError(f"{_show(typ)}: {_outside('the typst source', _show(typ), typ.resolve(), root)}")
    with tempfile.TemporaryDirectory(prefix="paper-build-no-packages-") as empty:
        try:
            data, warnings = typst.compile_with_warnings(
                str(typ), root=str(root), ignore_system_fonts=True, format=fmt, ppi=ppi, timestamp=timestamp,
                sys_inputs={}, package_path=empty, package_cache_path=empty)
        except typst.TypstError as exc:
            raise BuildError(_typst_message("error", exc, typ, context)) from None
        except RuntimeError as exc:
            raise BuildError(f"{_show(typ)}: typst failed: {' '.join(str(exc).split())}") from None
    if warnings:
        raise BuildError("\n".join(dict.fromkeys(
            _typst_message("warning (treated as an error)", w, typ, context) for w in warnings)))
    return data


def render_pdf(qmd_path=DEFAULT_QMD, pdf_path=None, ledger_path=None, *, typ_out=None,
               timestamp: int | None = None) -> Path:
    """Build the PDF. `typ_out` keeps the intermediate typst source; `timestamp` (UNIX
    seconds) overrides the creation date (default SOURCE_DATE_EPOCH, else the document date)."""
    pdf = Path(pdf_path) if pdf_path else Path(qmd_path).with_suffix(".pdf")
    entries, expanded, settings = _prepare(qmd_path, ledger_path)
    with _build_dir(expanded.qmd) as tmp:
        source, images = _typst_source(entries, expanded, settings, tmp)
        if typ_out:
            atomic.write_text(Path(typ_out), source)
        typ = tmp / "paper.typ"  # typst reads only inside its root: compile this copy
        typ.write_text(source, encoding="utf-8")
        context = _TypstContext(expanded, images, Path(typ_out) if typ_out else None, source)
        # typst's root is the Quarto project directory, as under Quarto (output-typst.ts)
        data = _compile_typst(typ, settings.timestamp if timestamp is None else int(timestamp),
                              root=_project_dir(expanded.qmd), context=context)
    atomic.write_bytes(pdf, data)
    return pdf


def render_html(qmd_path=DEFAULT_QMD, html_path=None, ledger_path=None) -> Path:
    """Build one self-contained HTML file (figures embedded, MathML, no network)."""
    entries, expanded, settings = _prepare(qmd_path, ledger_path)
    html = Path(html_path) if html_path else Path(qmd_path).with_suffix(".html")
    with _build_dir(expanded.qmd) as tmp:
        _write_ledger_for_filter(entries, tmp)
        css = Path(LEDGER_CSS).read_text(encoding="utf-8")
        (tmp / "style.html").write_text(f"<style>\n{css}{_HTML_STYLE}</style>\n", encoding="utf-8")
        # --wrap=none: every ledger span stays on one line, greppable as a whole
        extra = ["--embed-resources", "--mathml", "--wrap=none", f"--include-in-header={tmp / 'style.html'}"]
        if settings.number_sections:
            extra.append("--number-sections")
        _run_pandoc(expanded, settings, "html", tmp / "out.html", tmp, extra)
        atomic.write_bytes(html, (tmp / "out.html").read_bytes())
    return html


def build(qmd_path=DEFAULT_QMD, pdf_path=None, html_path=None, ledger_path=None) -> list[Path]:
    """Build the requested outputs (both, next to the .qmd, when neither is given)."""
    if pdf_path is None and html_path is None:
        pdf_path, html_path = Path(qmd_path).with_suffix(".pdf"), Path(qmd_path).with_suffix(".html")
    done = []
    if pdf_path is not None:
        done.append(render_pdf(qmd_path, pdf_path, ledger_path))
    if html_path is not None:
        done.append(render_html(qmd_path, html_path, ledger_path))
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.render", description=__doc__.split("\n\n")[0])
    parser.add_argument("--qmd", default=str(DEFAULT_QMD), help="manuscript (default paper/paper.qmd)")
    parser.add_argument("--ledger", default=None, help="ledger (default results/ledger.json)")
    parser.add_argument("--pdf", default=None, help="PDF output path")
    parser.add_argument("--html", default=None, help="HTML output path")
    parser.add_argument("--keep-typ", default=None, help="also keep the intermediate typst source here")
    parser.add_argument("--keys", action="store_true", help="print the keys the manuscript uses and exit")
    args = parser.parse_args(argv)
    try:
        if args.keys:
            qmd = Path(args.qmd)
            for key, line in used_keys(_read_manuscript(qmd), qmd.parent):
                print(f"{line}\t{key}")
            return 0
        pdf, html = args.pdf, args.html
        if pdf is None and html is None:
            pdf, html = str(Path(args.qmd).with_suffix(".pdf")), str(Path(args.qmd).with_suffix(".html"))
        if pdf is not None:
            render_pdf(args.qmd, pdf, args.ledger, typ_out=args.keep_typ)
            print(f"tools.render: wrote {pdf}")
        if html is not None:
            render_html(args.qmd, html, args.ledger)
            print(f"tools.render: wrote {html}")
    except BuildError as exc:
        problems = [line for line in str(exc).split("\n") if line.strip()] or ["unknown problem"]
        for line in problems:  # one line per problem: `file:line: what: what to do`
            print(f"tools.render: error: {line.strip()}", file=sys.stderr)
        return 1
    except (OSError, UnicodeError) as exc:
        where = getattr(exc, "filename", None)
        detail = getattr(exc, "strerror", None) or " ".join(str(exc).split())
        print(f"tools.render: error: {_show(Path(where)) + ': ' if where else ''}{detail}", file=sys.stderr)
        return 1
    return 0



if __name__ == "__main__":
    sys.exit(main())
