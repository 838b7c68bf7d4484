"""`pip install .` into a fresh virtual environment, then `trialogic check` from another folder."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_install_runs_check_from_elsewhere(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # Dependencies come from this environment (a .pth line after the new site-packages);
    # trialogic itself is built as a wheel and installed fresh.
    new_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(new_site, "zz_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--force-reinstall",
            str(REPO),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    patient = tmp_path / "patient.yaml"
    patient.write_text((REPO / "facts" / "patients" / "p01.yaml").read_text())
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    located = subprocess.run(
        [str(python), "-c", "import trialogic.resources as r; print(r.rules_dir())"],
        cwd=outside,
        check=True,
        capture_output=True,
        text=True,
    )
    assert str(env_dir) in located.stdout, "the installed package must carry its own rules/"
    result = subprocess.run(
        [str(env_dir / "bin" / "trialogic"), "check", str(patient), "--on", "2026-11-22", "--json"],
        cwd=outside,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["reference_date"] == "2026-11-22"
    assert {r["trial"] for r in document["results"]} == {
        "NCT03580291",
        "NCT05631717",
        "NCT01539902",
        "NCT04318600",
        "NCT06485648",
    }
    assert sys.version_info >= (3, 10)
