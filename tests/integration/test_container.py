"""The container files, checked without Docker: the Dockerfile's install builds from exactly
the files it copies, its start command serves the health check it declares, and compose.yaml
wires the bot to PostgreSQL."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def test_the_image_is_slim_runs_as_a_user_keeps_its_data_on_a_volume_and_checks_health():
    assert re.match(r"python:3\.1[1-9]-slim", instructions("FROM")[0])
    assert instructions("USER") == ["briefbot"]
    assert instructions("VOLUME") == ['["/data"]']
    assert "sqlite:////data/briefbot.db" in " ".join(instructions("ENV"))
    assert "/healthz" in instructions("HEALTHCHECK")[0]
    assert instructions("CMD") == ['["briefbot", "run"]']
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and "*.db" in ignored and ".env" in ignored


def test_the_install_builds_from_exactly_the_files_the_dockerfile_copies(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for line in instructions("COPY"):
        *paths, target = line.split()
        for path in paths:
            origin = ROOT / path
            destination = source / (path if target.endswith("/") or target == "./" else target)
            if origin.is_dir():
                shutil.copytree(origin, source / path, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(origin, destination)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("briefbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "bot/encoder.py",
        "bot/classify/data/events.yaml",
        "bot/locale/lt/LC_MESSAGES/briefbot.po",
        "db/migrations/versions/0004_broadcasts.py",
        "handlers/settings.py",
    ):
        assert needed in names, needed


def test_compose_runs_the_bot_on_postgresql_with_a_named_volume_and_a_split_profile():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert services["bot"]["environment"]["DATABASE_URL"].startswith("postgresql://briefbot:")
    assert services["bot"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pgdata" in compose["volumes"] and services["db"]["volumes"][0].startswith("pgdata:")
    assert services["poller"]["profiles"] == ["split"] and "--role" in services["poller"]["command"]
    assert services["talker"]["command"][-1] == "bot"
