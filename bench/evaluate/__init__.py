"""``bench eval``: a user's trained model through the same sweep, rows and statistics.

Modules, one concern each: ``grids`` (--transforms / --grid), ``model_source`` (loading a
.keras/.h5 file, a SavedModel folder or a Python factory), ``contract`` (input range, shape
check, output kind), ``sanity`` (the stop against silent wrong answers), ``testdata`` (the
test images), ``evaluation`` (the sweep into a run folder), ``worst`` and ``layers`` (the
worst case and layer-by-layer invariance), ``intervals`` and ``comparison`` (statistics
against reference families and a baseline model), ``export``, ``check`` (the regression
gate), ``numpy_check`` (--verify-numpy), ``report`` and ``figures`` (the Markdown and its
PNG), ``pipeline`` (the whole of ``bench eval``) and ``commands`` (the CLI). See
docs/eval.md.
"""
