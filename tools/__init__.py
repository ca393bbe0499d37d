"""Tools around the analysis (not part of it): the record gate (`record`), the reviewer's
recomputation (`verify`), the benchmark (`bench`), the throw-away project copy the build tests
and the benchmark use (`sandbox`), the import graph (`imports`), the manuscript's provenance
appendix (`provenance`) and the fallback manuscript renderer (`render`).

Tools may import the library `analysis.core`, never the analysis scripts; run them from the
repository root as `python -m tools.<name>`."""
