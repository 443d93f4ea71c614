"""``bench eval``: a user's trained model through the same sweep, rows and statistics.

Modules, one concern each: ``grids`` (--transforms / --grid), ``loaded`` (a model ready to
predict, ModelError), ``model_source`` (which loader a path or name takes) with
``onnx_source``, ``tflite_source`` and ``function_source`` (``.onnx``, ``.tflite``,
``module:function``; Keras files and SavedModels in ``model_source``), ``contract`` (input
range, shape check, output kind), ``sanity`` (the stop against silent wrong answers),
``testdata`` (the test images), ``evaluation`` (the sweep into a run folder), ``worst`` and
``layers`` (the worst case and layer-by-layer invariance), ``comparison`` (against the
reference families, with bench's one interval, :func:`bench.analysis.resample.contrast`),
``export``, ``check`` (the regression gate), ``numpy_check`` (--verify-numpy), ``report`` and
``figures`` (the Markdown and its PNG), ``pipeline`` (the whole of ``bench eval``) and
``commands`` (the CLI). See docs/eval.md.
"""

import sys
import types


class _CallablePackage(types.ModuleType):
    """This package, callable: ``bench.evaluate(model, task=...)`` is
    :func:`bench.api.evaluate` (imported when called, so importing the package stays cheap).
    A module attribute named ``evaluate`` would be replaced by this subpackage as soon as
    any ``bench.evaluate.*`` module is imported, so the package itself is the function."""

    def __call__(self, *args, **kwargs):
        from bench.api import evaluate

        return evaluate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
