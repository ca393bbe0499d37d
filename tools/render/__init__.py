"""The fallback manuscript renderer (pandoc + typst), used by `make paper` (RENDERER=fallback, the
default; `make RENDERER=quarto paper` uses the Quarto CLI):
`python -m tools.render --pdf paper/paper.pdf --html paper/paper.html`.

`renderer` is the Python side (pre-pass, checks, pandoc and typst runs), `filter.lua` the pandoc
filter, `stage` the build stage that copies results/ into the Quarto project (paper/_generated/);
see renderer's docstring for the Quarto subset it implements."""
from .renderer import (BuildError, Expanded, Use, build, key_uses, preprocess, render_html, render_pdf,
                       render_typst, used_keys)

__all__ = ["BuildError", "Expanded", "Use", "build", "key_uses", "preprocess", "render_html", "render_pdf",
           "render_typst", "used_keys"]
