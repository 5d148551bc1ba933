"""How fast the rules run: evaluations a second of tech-specialists-2022 with full reasons, and a what-if.

    .venv/bin/python bench/policy.py [--requests 1000000] [--repeats 5]

Measures, in one run on this machine:

- the baseline: a loop that copies each answer dict, a yardstick of this interpreter and CPU;
- evaluations a second, one core, with every criterion's reason written out (answers already checked);
- checks plus evaluations a second, one core (what lodging a request costs the rules);
- the what-if ``salary_thresholds.2613=110000`` over N generated requests, on one core and across all cores.

Each figure is the best of ``--repeats`` runs, because a shared machine only ever slows a run down.
Results are printed and written to bench/results/policy-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

from bordercase.policy.loader import scheme
from bordercase.policy.whatif import simulate, simulate_parallel

CODES = ["261313", "261312", "261311", "2613", "135111", "135112", "1351", "262112", "262111", "2621", "261211",
         "261212", "2612", "261111", "2611", "263111", "351311"]
TITLES = ["Software Engineer", "Senior Software Engineer", "Software Developer", "Web Developer", "Programmer",
          "Chief Technology Officer", "ICT Security Specialist", "DevOps Engineer", "Multimedia Specialist"]
PROGRAMMES = ["Summer of Tech", "Shadowtech", "TEC Inspiring the Future", "Code Club Aotearoa"]
BODIES = ["NZTech", "AI Forum", "NZRise", "Canterbury Tech"]


def generated(count: int, seed: int = 2022) -> list[dict[str, Any]]:
    """Answers as employers might give them: mostly codes, some job titles, salaries around the thresholds."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    start = dt.date(2022, 2, 18)
    answers = []
    for _ in range(count):
        role = {"job_title": rng.choice(TITLES)} if rng.random() < 0.2 else {"anzsco_code": rng.choice(CODES)}
        answers.append({
            **role,
            "annual_salary_nzd": rng.randrange(80_000, 200_000, 500),
            "employment_agreement_signed": rng.random() < 0.92,
            "pipeline_programmes": rng.sample(PROGRAMMES, rng.randint(0, 2)),
            "industry_memberships": rng.sample(BODIES, rng.randint(0, 2)),
            "lodged_on": (start + dt.timedelta(days=rng.randrange(163))).isoformat(),
        })
    return answers


def _each(function: Any, items: list[Any]) -> None:
    """Call for each item, keeping no result: the way `policy evaluate` streams a file."""
    for item in items:
        function(item)


def best(repeats: int, run: Any) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests in the what-if (1,000,000)")
    parser.add_argument("--sample", type=int, default=100_000, help="requests timed for evaluations a second")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    tech = scheme("tech-specialists-2022")

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    say(f"Generating {args.sample:,} answer sets…")
    raw = generated(args.sample)
    checked = [tech.check(a) for a in raw]
    evaluate = tech.evaluate
    for a in checked[:1000]:
        evaluate(a)  # warm the per-date parameter cache and the role cache, as a running service has them

    say("Timing the baseline, evaluations and checks…")
    baseline = best(args.repeats, lambda: [dict(a) for a in raw])
    evaluations = best(args.repeats, lambda: _each(evaluate, checked))
    checks = best(args.repeats, lambda: _each(lambda a: evaluate(tech.check(a)), raw))
    n = args.sample
    results: dict[str, Any] = {
        "machine": machine(),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "policy_version": tech.version,
        "sample": n,
        "baseline_dict_copies_per_second": round(n / baseline),
        "evaluations_per_second_one_core": round(n / evaluations),
        "checks_and_evaluations_per_second_one_core": round(n / checks),
        "evaluation_cost_in_dict_copies": round(evaluations / baseline, 1),
    }

    say(f"Generating {args.requests:,} requests for the what-if…")
    many = [(str(i), tech.check(a), None) for i, a in enumerate(generated(args.requests, seed=7))]
    # The pool lives for the whole run: keep the collector from walking its million dicts again and again.
    gc.collect()
    gc.freeze()
    change = {"salary_thresholds.2613": 110_000}
    say("Running the what-if on one core…")
    began = time.perf_counter()
    serial = simulate(tech, change, many, progress=lambda done: say(f"  {done:,} evaluated"))
    one_core = time.perf_counter() - began
    say("Running the what-if across all cores…")
    began = time.perf_counter()
    parallel = simulate_parallel(tech, change, many)
    all_cores = time.perf_counter() - began
    if parallel.as_json() | {"examples": []} != serial.as_json() | {"examples": []}:
        raise SystemExit("The parallel what-if disagrees with the serial one: that is a bug.")
    results |= {
        "what_if": {"change": "salary_thresholds.2613=110000", "requests": args.requests,
                    "changed": serial.changed, "seconds_one_core": round(one_core, 2),
                    "seconds_all_cores": round(all_cores, 2), "cores": os.cpu_count()},
    }
    print(json.dumps(results, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"policy-{dt.datetime.now():%Y%m%d-%H%M%S}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
