"""``bench eval``: a user's trained model through the same sweep, rows and statistics.

Modules, one concern each: ``grids`` (--transforms / --grid), ``model_source`` (loading a
.keras/.h5 file, a SavedModel folder or a Python factory), ``contract`` (input range, shape
check, output kind), ``sanity`` (the stop against silent wrong answers), ``testdata`` (the
test images), ``evaluation`` (the sweep into a run folder), ``comparison`` and ``paired``
(statistics against reference families and a baseline model), ``export``, ``check`` (the
regression gate), ``numpy_check`` (--verify-numpy), ``report`` and ``commands`` (the CLI).
"""
