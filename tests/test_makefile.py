"""The llama.cpp build flags the Makefile chooses from the CPU's flags (/proc/cpuinfo)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

MAKEFILE = Path(__file__).parent.parent / "Makefile"
AVX2 = ["-DGGML_NATIVE=OFF", "-DGGML_AVX=ON", "-DGGML_AVX2=ON", "-DGGML_FMA=ON", "-DGGML_F16C=ON",
        "-DGGML_BMI2=ON"]
AVX512_BASE = "avx2 fma f16c bmi2 avx512f avx512cd avx512vl avx512dq avx512bw"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make_show(tmp_path, *overrides: str) -> subprocess.CompletedProcess:
    """`make` printing LLAMA_CMAKE_ARGS, with variables overridden on its command line."""
    wrapper = tmp_path / "show.mk"
    wrapper.write_text(f"include {MAKEFILE}\nshow:\n\t@echo '$(LLAMA_CMAKE_ARGS)'\n")
    # Run under `make test LLAMA_AVX512=1`, the outer make's variables reach this one through
    # MAKEFLAGS: only the overrides given here may count.
    env = {k: v for k, v in os.environ.items()
           if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "LLAMA_AVX512", "LLAMA_CMAKE_ARGS", "CPU_FLAGS"}}
    return subprocess.run(["make", "-s", "-f", str(wrapper), "show", *overrides],
                          cwd=MAKEFILE.parent, capture_output=True, text=True, env=env)


def cmake_args(tmp_path, *overrides: str) -> list[str]:
    out = make_show(tmp_path, *overrides)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_the_default_build_is_avx2_on_any_cpu(tmp_path):
    assert cmake_args(tmp_path, "CPU_FLAGS=sse4_2 avx avx2 fma f16c bmi2") == AVX2
    assert cmake_args(tmp_path, f"CPU_FLAGS={AVX512_BASE} avx512_vnni amx_int8") == AVX2


def test_avx512_adds_the_kernels_the_cpu_has(tmp_path):
    full = f"CPU_FLAGS={AVX512_BASE} avx512vbmi avx512_vnni avx512_bf16 amx_tile amx_int8 amx_bf16"
    assert cmake_args(tmp_path, full, "LLAMA_AVX512=1") == AVX2 + [
        "-DGGML_AVX512=ON", "-DGGML_AVX512_VBMI=ON", "-DGGML_AVX512_VNNI=ON", "-DGGML_AVX512_BF16=ON"]
    assert cmake_args(tmp_path, f"CPU_FLAGS={AVX512_BASE} avx512_vnni", "LLAMA_AVX512=1") == AVX2 + [
        "-DGGML_AVX512=ON", "-DGGML_AVX512_VNNI=ON"]


def test_avx512_on_a_cpu_without_it_stops_with_one_line(tmp_path):
    # GGML_AVX512 compiles with -mavx512f -mavx512cd -mavx512vl -mavx512dq -mavx512bw: all are needed.
    out = make_show(tmp_path, "CPU_FLAGS=avx2 avx512f avx512cd avx512vl avx512dq", "LLAMA_AVX512=1")
    assert out.returncode == 2
    assert ("LLAMA_AVX512=1: this CPU lacks AVX-512 (avx512f, cd, vl, dq and bw in /proc/cpuinfo); "
            "run make without it for the AVX2 build") in out.stderr


def test_amx_is_never_built(tmp_path):
    args = cmake_args(tmp_path, f"CPU_FLAGS={AVX512_BASE} amx_tile amx_int8 amx_bf16", "LLAMA_AVX512=1")
    assert "-DGGML_AVX512=ON" in args
    assert not [a for a in args if "AMX" in a or "NATIVE=ON" in a]
