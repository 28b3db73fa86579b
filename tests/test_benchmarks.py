"""Every benchmark behind a figure the README quotes still starts: each one's --help, in one
process (TensorFlow imported once), says what it measures in a whole sentence and runs nothing."""

import json
import subprocess
import sys

from conftest import REPO

BENCHMARKS = sorted(p.stem for p in (REPO / "benchmarks").glob("*.py") if p.stem != "common")

# Each script's main() with --help, in one interpreter: argparse prints the help and exits 0
# before a benchmark does any work. A coroutine main (load.py) is run as its script runs it.
HELP_ALL = """
import asyncio, contextlib, importlib, io, json, sys
sys.path.insert(0, "benchmarks")
import common
helps = {}
for name in sys.argv[1:]:
    sys.argv = [name + ".py", "--help"]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            main = importlib.import_module(name).main
            result = main()
            if asyncio.iscoroutine(result):
                asyncio.run(result)
        helps[name] = "ran without --help stopping it"
    except SystemExit as stop:
        helps[name] = out.getvalue() if stop.code == 0 else f"exit {stop.code}"
    except Exception as error:
        helps[name] = f"{type(error).__name__}: {error}"
print(json.dumps(helps))
"""


def test_every_benchmark_starts_and_says_what_it_measures():
    done = subprocess.run(
        [sys.executable, "-c", HELP_ALL, *BENCHMARKS],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    helps = json.loads(done.stdout.splitlines()[-1])
    assert set(helps) == set(BENCHMARKS)
    for name, help_text in helps.items():
        assert help_text.startswith("usage:"), f"{name}: {help_text}"
        description = " ".join(help_text.split("\n\n")[1].split())
        assert description.endswith((".", "?", ")")), f"{name}'s --help stops: {description}"


def test_a_benchmark_given_a_file_that_is_not_there_or_no_count_says_so():
    # A traceback from deep in the loading, or 0 numbers taken for "the default 500".
    for args, said in [
        (["drawn_mistakes.py", "--data", "/no/such/mnist.npz"], "error: no file at /no/such"),
        (["read_numbers.py", "--count", "0"], "--count: must be at least 1, not 0"),
        (["read_numbers.py", "--digits", "2", "--pen"], "--digits: numbers of MNIST digits only"),
    ]:
        done = subprocess.run(
            [sys.executable, *args], cwd=REPO / "benchmarks", capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
        assert said in done.stderr
