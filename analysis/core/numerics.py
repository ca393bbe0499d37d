"""The numerical environment of every build, fixed before numpy loads.

Why: OpenBLAS (DYNAMIC_ARCH) and numpy (runtime SIMD dispatch) choose their kernels by CPU.
Different kernels round differently in the last bit, and the searches on the flat likelihood
ridges of the non-identified loss forms amplify that: the committed record of one AVX-512
machine and a fresh build on an AVX2 kernel differed in 72 values, 6 of them printed (for
example the upper end of a Chinchilla bootstrap interval, 0.167 against 0.168). With the kernels
pinned, every x86-64 machine with AVX2 and FMA (Intel since 2013, AMD since 2015) runs the same
instructions on the same operands, so the record is reproducible there to the bit.

- OPENBLAS_CORETYPE=Haswell: OpenBLAS's AVX2/FMA kernels. Set only where the CPU has AVX2
  and FMA (forcing it elsewhere would stop the process with an illegal instruction).
- NPY_DISABLE_CPU_FEATURES: numpy's AVX-512 dispatch targets off, so numpy's loops take the
  same AVX2 (X86_V3) paths everywhere. Names numpy does not know are ignored by numpy.
- One BLAS thread: our linear algebra is tiny (5x5 systems inside L-BFGS-B, small OLS); with
  OpenBLAS's thread pool every worker process of a parallel bootstrap spins extra threads on the
  same two cores, which made the pooled Chinchilla bootstrap four times slower than serial.
  Parallelism comes from processes instead (`bootstrap.refit_loop`, `make -j2`).

Values already in the environment win (`setdefault`), so a user can study another kernel with
e.g. `OPENBLAS_CORETYPE=SkylakeX make verify`. `describe()` is what the record stores.
"""
from __future__ import annotations

import platform

BLAS_CORE = "Haswell"
NUMPY_DISABLED = "X86_V4 AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def pinnable() -> bool:
    """True where the pinned kernels exist: x86-64 with AVX2 and FMA."""
    return platform.machine().lower() in ("x86_64", "amd64") and {"avx2", "fma"} <= cpu_flags()


def pin(environ) -> None:
    for var in THREAD_VARIABLES:
        environ.setdefault(var, "1")
    if pinnable():
        environ.setdefault("OPENBLAS_CORETYPE", BLAS_CORE)
        environ.setdefault("NPY_DISABLE_CPU_FEATURES", NUMPY_DISABLED)


def describe(environ) -> dict:
    """The numerical environment of this process (recorded beside the ledger, never compared)."""
    return {
        "machine": platform.machine(),
        "pinned_kernels": pinnable(),
        "OPENBLAS_CORETYPE": environ.get("OPENBLAS_CORETYPE", ""),
        "NPY_DISABLE_CPU_FEATURES": environ.get("NPY_DISABLE_CPU_FEATURES", ""),
    }
