"""The deploy/ folder, tested without a container runtime (there is none in CI): the image
definition's build commands run in this shell into a fresh virtual environment and its entrypoint
works from there; the compose file has the services, health checks and order operators rely on;
the systemd units pass `systemd-analyze verify`; the example settings name every setting the code
reads."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VENV_IN_IMAGE = "/opt/pfa-bot"
HARDENING = ("NoNewPrivileges", "ProtectSystem", "PrivateTmp", "CapabilityBoundingSet", "SystemCallFilter")


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions():
        if keyword == "FROM":
            found.append([])
        found[-1].append((keyword, arguments))
    return found


def healthcheck_command() -> list[str]:
    """The image's HEALTHCHECK command (exec form), to run in this shell."""
    ((arguments,),) = [[a] for k, a in instructions() if k == "HEALTHCHECK"]
    return list(json.loads(arguments.split("CMD", 1)[1]))


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))


def test_the_image_is_slim_runs_as_a_user_and_checks_its_health():
    every = instructions()
    assert all("-slim" in arguments for keyword, arguments in every if keyword == "FROM")
    final = stages()[-1]
    users = [arguments for keyword, arguments in final if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("ENTRYPOINT", '["pfa-bot"]') in final
    assert "/healthz" in " ".join(healthcheck_command())
    copied = [path for k, arguments in stages()[0] if k == "COPY" for path in arguments.split()[:-1]]
    assert all((ROOT / path).exists() for path in copied), copied
    # The build context sends nothing else (no .venv, databases or keys): all but what is copied is ignored.
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    kept = [f"!{path}/" if (ROOT / path).is_dir() else f"!{path}" for path in copied]
    assert "*" in ignored and all(line in ignored for line in kept), kept


def test_the_images_build_commands_install_a_working_pfa_bot(tmp_path):
    """The build stage's COPY and RUN lines, done here: sources copied into a fresh folder, the
    RUN commands run with the image's virtual environment put in a temporary folder."""
    source, venv = tmp_path / "src", tmp_path / "venv"
    source.mkdir()
    # As in an image build: no test machinery (CI's clock-ahead run moves the clock through these).
    build_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TEST_CLOCK_OFFSET_SECONDS")}
    for keyword, arguments in stages()[0]:
        if keyword == "COPY":
            *origins, target = arguments.split()
            for origin in origins:
                into = source / target / Path(origin).name if target.endswith("/") else source / target
                copy = shutil.copytree if (ROOT / origin).is_dir() else shutil.copy
                copy(ROOT / origin, into)
        elif keyword == "RUN":
            command = re.sub(r"--mount=\S+\s+", "", arguments).replace(VENV_IN_IMAGE, str(venv))
            words = [sys.executable if w == "python" else w for w in shlex.split(command)]
            subprocess.run(words, cwd=source, env=build_env, check=True, capture_output=True, timeout=600)
    entrypoint = venv / "bin" / "pfa-bot"
    help_text = subprocess.run([entrypoint, "--help"], check=True, capture_output=True, text=True).stdout
    assert "run" in help_text and "db" in help_text
    # The content files came along: a conversation starts from the installed package alone.
    chat = subprocess.run(
        [entrypoint, "chat", "--jsonl", "--db", f"sqlite:///{tmp_path / 'x.db'}"],
        input=json.dumps({"text": "/start"}) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "data")},
    )
    assert chat.returncode == 0, chat.stderr
    assert "Hi, I'm pfa-bot" in chat.stdout


def test_compose_migrates_once_before_the_workers_and_puts_caddy_in_front():
    services = compose()["services"]
    assert {"postgres", "migrate", "worker", "caddy"} <= set(services)
    postgres, migrate, worker, caddy = (services[n] for n in ("postgres", "migrate", "worker", "caddy"))
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert worker["command"] == ["run"]
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["deploy"]["replicas"] >= 2
    assert "/healthz" in " ".join(worker["healthcheck"]["test"])
    assert int(worker["stop_grace_period"].rstrip("s")) > 30  # past the server's own 30 s
    assert migrate["image"] == worker["image"] and worker["env_file"] == "pfa-bot.env"
    assert "443:443" in caddy["ports"]
    mounted = [volume.split(":")[0] for volume in caddy["volumes"]]
    assert (DEPLOY / "Caddyfile").exists() and "./Caddyfile" in mounted


def test_caddy_proxies_the_webhook_path_only_to_every_worker():
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    env = (DEPLOY / "pfa-bot.env.example").read_text(encoding="utf-8")
    webhook = re.search(r"^PFA_WEBHOOK_URL=https://([^/]+)(/\S+)$", env, re.MULTILINE)
    assert webhook is not None
    host, path = webhook.groups()
    assert f"{host} {{" in caddyfile
    assert f"handle {path.rsplit('/', 1)[0]}/*" in caddyfile
    assert "dynamic a worker 8443" in caddyfile and "respond 404" in caddyfile


def test_the_example_settings_name_every_setting_the_code_reads():
    code = " ".join(path.read_text(encoding="utf-8") for path in ROOT.glob("[bfs]*/**/*.py"))
    read = set(re.findall(r"\"(PFA_[A-Z_]+)\"", code)) - {"PFA_FAILPOINT"}  # tests' crash points
    example = (DEPLOY / "pfa-bot.env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^#?(PFA_[A-Z_]+)=", example, re.MULTILINE))
    assert read - named == set()
    assert named - read == set()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_verify_and_are_hardened(tmp_path):
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    installed = Path(sys.executable).parent / "pfa-bot"
    for unit in units:  # the install path as on a server, pointed at this checkout's install
        text = unit.read_text(encoding="utf-8").replace(f"{VENV_IN_IMAGE}/bin/pfa-bot", str(installed))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    worker = (tmp_path / "pfa-bot-worker@.service").read_text(encoding="utf-8")
    assert "Environment=PFA_WEBHOOK_PORT=%i" in worker and "EnvironmentFile=" in worker
    assert re.search(r"^User=(?!root)\w", worker, re.MULTILINE)
    assert all(f"\n{option}=" in worker for option in HARDENING)
    names = [str(tmp_path / "pfa-bot-worker@8441.service"), str(tmp_path / "pfa-bot-migrate.service")]
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names], capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0 and verified.stderr.strip() == "", verified.stderr
