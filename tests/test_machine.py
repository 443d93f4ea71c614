"""The environment stored with every row: the CPU's vector ISA and whether oneDNN ran."""

import os

from bench import machine


def _cpuinfo(tmp_path, flags: str):
    # one file per case: machine reads each path once (the CPU does not change)
    path = tmp_path / f"cpuinfo-{flags.replace(' ', '-')}"
    path.write_text(f"processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu {flags} sse2\n\n")
    return path


def test_the_widest_vector_extension_is_the_isa(tmp_path):
    assert machine.cpu_isa(_cpuinfo(tmp_path, "avx avx2 fma avx512f avx512bw")) == "avx512f"
    assert machine.cpu_isa(_cpuinfo(tmp_path, "sse4_2 avx avx2 fma")) == "avx2"
    assert machine.cpu_isa(_cpuinfo(tmp_path, "mmx")) == "none"
    assert machine.cpu_isa(tmp_path / "absent") == "unknown"


def test_bench_turns_onednn_on_before_tensorflow_loads_unless_told_otherwise():
    # bench/__init__.py sets TF_ENABLE_ONEDNN_OPTS=1 unless it was set; conftest imports
    # bench before anything imports TensorFlow, so this process runs what bench asked for.
    asked_off = os.environ["TF_ENABLE_ONEDNN_OPTS"].lower() in ("0", "false")
    assert machine.onednn() == ("off" if asked_off else "on")
    stored = machine.environment()
    assert stored["onednn"] == machine.onednn() and stored["cpu_isa"] == machine.cpu_isa()


def test_the_environment_names_the_image_libraries_that_shape_the_pixels():
    import cv2
    import PIL
    import skimage

    found = machine.environment()
    assert (found["opencv"], found["pillow"], found["scikit-image"]) == (
        cv2.__version__, PIL.__version__, skimage.__version__)
