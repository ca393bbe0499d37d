"""The fallback manuscript renderer (pandoc + typst), used by `make paper` when the Quarto CLI is
not installed: `python -m tools.render --pdf paper/paper.pdf --html paper/paper.html`.

`renderer` is the Python side (pre-pass, checks, pandoc and typst runs), `filter.lua` the pandoc
filter; see renderer's docstring for the Quarto subset it implements."""
from .renderer import (BuildError, Expanded, Use, build, key_uses, preprocess, render_html, render_pdf,
                       render_typst, used_keys)

__all__ = ["BuildError", "Expanded", "Use", "build", "key_uses", "preprocess", "render_html", "render_pdf",
           "render_typst", "used_keys"]
