"""`python -m tools.render`: the fallback renderer's command line (see tools/render/renderer.py)."""
import sys

from .renderer import main

sys.exit(main())
