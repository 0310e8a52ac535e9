"""Cold start: `import app` against importing only the runtime dependencies it uses.

Each sample is a whole new interpreter process, as in a Lambda cold start.
The two kinds of process are interleaved so that machine noise hits both
alike; the figures are medians, and the ratio is of medians from one run.

    .venv/bin/python -m bench.cold_start [--runs 21]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "CATALYST_STAGE": "local", "AWS_REGION": "us-east-1"}

_LIST_DEPENDENCY_MODULES = """
import json, sys
before = set(sys.modules)
import app
stdlib = sys.stdlib_module_names
own = {"app", "chalicelib"}
names = sorted(
    name for name in set(sys.modules) - before
    if name.split(".")[0] not in stdlib and name.split(".")[0] not in own and not name.startswith("_")
)
print(json.dumps(names))
"""


def dependency_modules() -> list[str]:
    output = subprocess.run(
        [sys.executable, "-c", _LIST_DEPENDENCY_MODULES], cwd=PROJECT_DIR, env=ENV, capture_output=True, check=True
    ).stdout
    return json.loads(output)


def _time_process(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, env=ENV, check=True)
    return time.perf_counter() - started


def measure(runs: int) -> dict[str, float]:
    modules = dependency_modules()
    baseline_code = f"import importlib\nfor name in {modules!r}:\n    importlib.import_module(name)\n"
    app_code = "import app"
    empty_code = "pass"
    samples: dict[str, list[float]] = {"empty": [], "dependencies": [], "app": []}
    for _ in range(runs):
        samples["empty"].append(_time_process(empty_code))
        samples["dependencies"].append(_time_process(baseline_code))
        samples["app"].append(_time_process(app_code))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "runs": runs,
        "dependency_modules": len(modules),
        "interpreter_ms": medians["empty"] * 1000,
        "dependencies_ms": medians["dependencies"] * 1000,
        "app_ms": medians["app"] * 1000,
        "ratio": medians["app"] / medians["dependencies"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    result = measure(parser.parse_args().runs)
    print(f"cold start, median of {result['runs']} interleaved processes each:")
    print(f"  empty interpreter         {result['interpreter_ms']:7.1f} ms")
    print(f"  runtime dependencies only {result['dependencies_ms']:7.1f} ms  ({result['dependency_modules']} modules)")
    print(f"  import app                {result['app_ms']:7.1f} ms")
    print(f"  ratio app / dependencies  {result['ratio']:7.3f}  (goal <= 1.10)")


if __name__ == "__main__":
    main()
