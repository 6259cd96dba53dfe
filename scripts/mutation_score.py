"""Print the survivors and the score of the last ``mutmut run`` (read from mutants/mutmut-cicd-stats.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

STATS = Path("mutants/mutmut-cicd-stats.json")


def main() -> int:
    if not STATS.exists():
        print(f"{STATS} is missing: run `mutmut run` and `mutmut export-cicd-stats` first.", file=sys.stderr)
        return 1
    stats = json.loads(STATS.read_text())
    killed = stats.get("killed", 0)
    total = stats.get("total", 0)
    percent = 100 * killed / total if total else 100.0
    details = ", ".join(f"{key} {value}" for key, value in sorted(stats.items()) if key not in {"killed", "total"})
    print(f"Mutation score: {killed}/{total} ({percent:.1f} %)" + (f"  [{details}]" if details else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
