"""Compile every kernel instance with NVRTC (no GPU needed) and report registers and spills.

    python -m minigan.cuda.compile_check                 # sm_80 and sm_90, a Markdown table
    python -m minigan.cuda.compile_check --arch sm_90

How: cupy.cuda.nvrtc compiles each module group of kernels_index with `-arch=sm_XX` (a real
architecture, so NVRTC runs ptxas and produces machine code, not just PTX) and `-Xptxas=-v`, which
makes ptxas write each entry function's resources into the program log:

    ptxas info    : Compiling entry function '_Z15sgemm_regtile2d...' for 'sm_90'
    ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
    ptxas info    : Used 128 registers, used 1 barriers, 16896 bytes smem

The mangled names are mapped back to name expressions with nvrtcGetLoweredName. Needs only the
`cupy` and `nvidia-cuda-nvrtc` wheels (CuPy imports without a GPU; only launching needs one).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

from minigan.cuda.kernels_index import COMPILE_OPTIONS, MODULE_GROUPS, source

DEFAULT_ARCHS = ("sm_80", "sm_90")


@dataclass(frozen=True)
class KernelResources:
    """What ptxas reported for one kernel instance on one architecture."""

    group: str
    name: str  # the C++ name expression
    arch: str
    registers: int
    stack_bytes: int
    spill_stores: int
    spill_loads: int
    shared_bytes: int
    barriers: int


_ENTRY = re.compile(r"Compiling entry function '([^']+)' for '(\w+)'")
_FRAME = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
_USED = re.compile(r"Used (\d+) registers")
_SMEM = re.compile(r"(\d+) bytes smem")
_BARRIERS = re.compile(r"used (\d+) barriers")


def parse_ptxas_log(log: str) -> dict:
    """{mangled entry name: {registers, stack_bytes, spill_stores, spill_loads, shared_bytes,
    barriers}}."""
    found, current = {}, None
    for line in log.splitlines():
        entry = _ENTRY.search(line)
        if entry:
            current = entry.group(1)
            found[current] = {"registers": 0, "stack_bytes": 0, "spill_stores": 0, "spill_loads": 0,
                              "shared_bytes": 0, "barriers": 0}
            continue
        if current is None:
            continue
        frame = _FRAME.search(line)
        if frame:
            found[current].update(stack_bytes=int(frame.group(1)), spill_stores=int(frame.group(2)),
                                  spill_loads=int(frame.group(3)))
        used = _USED.search(line)
        if used:
            found[current]["registers"] = int(used.group(1))
            smem = _SMEM.search(line)
            barriers = _BARRIERS.search(line)
            found[current]["shared_bytes"] = int(smem.group(1)) if smem else 0
            found[current]["barriers"] = int(barriers.group(1)) if barriers else 0
            current = None  # the "Used" line closes an entry's report
    return found


def nvrtc_available() -> bool:
    """Whether cupy.cuda.nvrtc imports and the NVRTC library loads (no GPU needed)."""
    try:
        from cupy.cuda import nvrtc

        nvrtc.getVersion()
        return True
    except Exception:
        return False


def compile_group(group: str, arch: str, extra_options=()) -> list:
    """Compile one module group for `arch` ('sm_80', 'sm_90', ...): a KernelResources per instance.

    Raises RuntimeError with NVRTC's log when the source does not compile.
    """
    from cupy.cuda import nvrtc

    file, names = MODULE_GROUPS[group]
    program = nvrtc.createProgram(source(file), file, [], [])
    try:
        for name in names:
            nvrtc.addNameExpression(program, name)
        options = [*COMPILE_OPTIONS, f"-arch={arch}", "-Xptxas=-v", *extra_options]
        try:
            nvrtc.compileProgram(program, options)
        except nvrtc.NVRTCError as err:
            raise RuntimeError(f"NVRTC failed on {file} ({group}, "
                               f"{arch}):\n{nvrtc.getProgramLog(program)}") from err
        report = parse_ptxas_log(nvrtc.getProgramLog(program))
        results = []
        for name in names:
            lowered = nvrtc.getLoweredName(program, name)
            if lowered not in report:
                raise RuntimeError(f"ptxas reported nothing for {name} ({lowered}) on {arch}")
            results.append(KernelResources(group=group, name=name, arch=arch, **report[lowered]))
        return results
    finally:
        nvrtc.destroyProgram(program)


def compile_all(archs=DEFAULT_ARCHS) -> list:
    """compile_group for every group and architecture."""
    return [r for arch in archs for group in MODULE_GROUPS for r in compile_group(group, arch)]


def markdown_table(results) -> str:
    lines = ["| kernel | arch | registers | spill stores / loads (bytes) | stack (bytes) | smem "
             "(bytes) |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| `{r.name}` | {r.arch} | {r.registers} | {r.spill_stores} / "
                     f"{r.spill_loads} | "
                     f"{r.stack_bytes} | {r.shared_bytes} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", action="append",
                        help="sm_XX (repeatable); default sm_80 and sm_90")
    args = parser.parse_args(argv)
    if not nvrtc_available():
        print("NVRTC is not available: pip install cupy-cuda13x nvidia-cuda-nvrtc")
        return 2
    from cupy.cuda import nvrtc

    results = compile_all(tuple(args.arch or DEFAULT_ARCHS))
    import platform
    from datetime import date

    major, minor = nvrtc.getVersion()
    print(f"# minigan.cuda kernel resources (ptxas, via NVRTC)\n\n"
          f"NVRTC {major}.{minor}, options `{' '.join(COMPILE_OPTIONS)} -arch=<arch> -Xptxas=-v`, "
          f"compiled on {platform.node()} ({platform.machine()}, no GPU needed), "
          f"{date.today().isoformat()}. "
          f"Regenerate: `PYTHONPATH=. python -m minigan.cuda.compile_check`.\n")
    print(markdown_table(results))
    spilled = [r for r in results if r.spill_stores or r.spill_loads or r.stack_bytes]
    print(f"\n{len(results)} instances, {len(spilled)} with spills or a stack frame")
    return 1 if spilled else 0


if __name__ == "__main__":
    raise SystemExit(main())
