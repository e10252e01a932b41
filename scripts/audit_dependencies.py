"""Known vulnerabilities in the pinned requirements: pip-audit, with an honest summary.

pip-audit asks PyPI's JSON API for each pinned version (/pypi/NAME/VERSION/json). Where
that per-version endpoint cannot be reached (an offline or mirrored registry: it answers
404 and pip-audit reports "Dependency not found on PyPI"), this script falls back to the
project endpoint (/pypi/NAME/json), whose `vulnerabilities` list is the one for the latest
release: it covers our pin exactly when the pin *is* the latest release. Anything still
unchecked is named, not passed over in silence.

Exit 1 when any known vulnerability is found. Unchecked packages fail the run only with
AUDIT_STRICT=1 (set it where the vulnerability service is reachable).
"""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPI = os.environ.get("AUDIT_PYPI_URL", "https://pypi.org/pypi")


def pip_audit(requirements: list[str]) -> dict:
    command = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip", "-f", "json"]
    command += ["--progress-spinner", "off"]
    for name in requirements:
        command += ["-r", str(ROOT / name)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603
    if not result.stdout.strip():
        sys.stderr.write(result.stderr)
        raise SystemExit(f"pip-audit gave no report (exit {result.returncode})")
    return json.loads(result.stdout)


def latest_release_vulnerabilities(name: str, version: str) -> list[dict] | None:
    """The project page's vulnerabilities if our pin is the latest release, else None."""
    url = f"{PYPI}/{name}/json"
    if not url.startswith("https://"):
        return None
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (https only)
            data = json.load(response)
    except (urllib.error.URLError, TimeoutError, ValueError):
        return None
    if data.get("info", {}).get("version") != version:
        return None
    return [v for v in data.get("vulnerabilities", []) if not v.get("withdrawn")]


def main() -> int:
    report = pip_audit(["requirements.txt", "requirements-dev.txt"])
    found, unchecked, checked = [], [], 0
    for dep in report.get("dependencies", []):
        name = dep["name"]
        # A skipped dependency's version is only in its reason: "... (5.2.19)".
        version = dep.get("version") or dep.get("skip_reason", "").rstrip(")").rpartition("(")[2]
        if "skip_reason" not in dep:
            checked += 1
            found += [(name, version, v["id"], v.get("fix_versions", [])) for v in dep["vulns"]]
            continue
        vulns = latest_release_vulnerabilities(name, version)
        if vulns is None:
            unchecked.append(f"{name}=={version}")
            continue
        checked += 1
        found += [(name, version, v["id"], v.get("fixed_in", [])) for v in vulns]
    total = checked + len(unchecked)
    for name, version, vuln_id, fixes in found:
        print(f"VULNERABLE {name}=={version}: {vuln_id} (fixed in {', '.join(fixes) or '?'})")
    print(f"pip-audit: {checked} of {total} pinned packages checked, {len(found)} vulnerable.")
    if unchecked:
        print(
            f"not checked ({len(unchecked)}: the vulnerability service was not reachable "
            f"and the pin is not the latest release): {' '.join(unchecked)}"
        )
    if found:
        return 1
    if unchecked and os.environ.get("AUDIT_STRICT") == "1":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
