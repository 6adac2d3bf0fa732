"""Import llama.cpp and load a verified GGUF, or say in one line why it cannot be loaded."""

from __future__ import annotations

import ctypes
import os

os.environ.setdefault("GGML_NO_BACKTRACE", "1")  # an abort in ggml must not wait on gdb

from .errors import ModelError


def import_llama_cpp():
    """The llama_cpp module, imported on first use so that commands which need no model start fast."""
    try:
        import llama_cpp
    except ImportError as exc:  # a broken build is a model-unavailable condition for the user
        raise ModelError(f"llama-cpp-python is not installed or failed to build ({exc}); "
                         f"run `make run` or `pip install -e .`") from None
    return llama_cpp


def quiet_logs() -> None:
    """Silence llama.cpp's C-level logging, which would bury brief's one-line messages."""
    lc = import_llama_cpp()
    if getattr(quiet_logs, "done", False):
        return

    @lc.llama_log_callback
    def _drop(level, text, user_data):
        return None

    quiet_logs.callback = _drop  # keep a reference: C holds only the pointer
    lc.llama_log_set(_drop, ctypes.c_void_p(0))
    quiet_logs.done = True


def check_gguf(path) -> None:
    """Say why llama.cpp could not load a GGUF: truncated, corrupt, or not a language model."""
    try:
        from gguf import GGUFReader
    except ImportError:
        return  # gguf is a test extra; without it llama.cpp's own message stands
    try:
        reader = GGUFReader(str(path))
    except Exception as exc:
        raise ModelError(f"{path}: corrupt or truncated GGUF ({type(exc).__name__}: {exc}); "
                         f"replace it with a whole copy (a preset's: delete it and `brief models pull` it)") from None
    field = reader.fields.get("general.architecture")
    arch = bytes(field.parts[field.data[0]]).decode() if field else ""
    if "tokenizer.ggml.tokens" not in reader.fields or not arch:
        raise ModelError(f"{path}: GGUF has no tokenizer or architecture ({arch or 'none'}); "
                         f"it is not a language model brief can run")


def check_build() -> None:
    """Refuse a llama.cpp built with AMX kernels, which crash the process on Q4_K models."""
    # A native build on an Intel CPU with AMX (Sapphire Rapids and later) repacks Q4_K weights
    # for AMX, and the first decode then dies with SIGSEGV in ggml_backend_amx_mul_mat
    # (llama.cpp issue 20824; seen here with the default model and llama-cpp-python 0.3.36).
    # A segfault loses the run and says nothing, so refuse before loading.
    if "AMX_INT8" in build_info()["cpu_features"]:
        raise ModelError("llama-cpp-python was built with AMX kernels, which crash on this "
                         "model (llama.cpp issue 20824); rebuild it without them: "
                         "`rm -f .venv/.installed-llama && make run`")


def build_info() -> dict:
    """The llama.cpp build a result was computed with: llama-cpp-python's version and the CPU
    features it was compiled for (AVX2 and AVX-512 kernels round differently, so results differ)."""
    lc = import_llama_cpp()
    info = lc.llama_print_system_info().decode(errors="replace")
    features = []
    if "CPU :" in info:
        for part in info.split("CPU :", 1)[1].split("|"):
            if ":" in part:  # the next backend's section ("Metal : ...")
                break
            if part.strip().endswith("= 1"):
                features.append(part.split("=")[0].strip())
    return {"llama_cpp_python": getattr(lc, "__version__", "unknown"), "cpu_features": features}


def load(path, **params):
    """A llama_cpp.Llama for `path`, or a ModelError saying why llama.cpp refused it."""
    lc = import_llama_cpp()
    check_build()
    quiet_logs()
    try:
        return lc.Llama(model_path=str(path), verbose=False, **params)
    except (ValueError, RuntimeError, OSError) as exc:
        # Asked only after a failure: parsing a 1 GB GGUF in Python takes 8-19 s, and llama.cpp
        # refuses a truncated or non-language-model file cleanly on its own (checked on 0.3.36).
        check_gguf(path)
        raise ModelError(f"{path}: llama.cpp cannot load it as a language model ({exc}); "
                         f"check the file (a preset's: delete it and `brief models pull` it)") from None


def check_loadable(path) -> None:
    """Load only a GGUF's vocabulary: llama.cpp checks every tensor lies within the file (under 1 s)."""
    load(path, vocab_only=True)
