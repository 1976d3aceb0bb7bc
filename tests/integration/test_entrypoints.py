"""The documented commands load this checkout's `wave`, not the standard library's module."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def run(args, cwd=ROOT, timeout=60):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_import_wave_from_the_checkout_is_this_project():
    result = run([sys.executable, "-c", "import wave; print(wave.__file__); wave.create_app"])
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == ROOT / "wave" / "__init__.py"


def test_python_dash_m_wave_is_this_project():
    result = run([sys.executable, "-m", "wave", "--help"])
    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout and "serve" in result.stdout


def test_flask_app_wave_is_this_project():
    result = run([str(VENV_BIN / "flask"), "--app", "wave", "routes"])
    assert result.returncode == 0, result.stderr
    assert "/q/<code>" in result.stdout and "/sw.js" in result.stdout


def test_gunicorn_chdir_loads_this_project_from_anywhere(tmp_path):
    result = run(
        [str(VENV_BIN / "gunicorn"), "--chdir", str(ROOT), "--check-config", "wave:create_app()"],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_stdlib_wave_is_what_you_get_elsewhere(tmp_path):
    # Outside the checkout `import wave` is the audio module: Wave is never installed.
    result = run(
        [
            sys.executable,
            "-c",
            "import wave; print(hasattr(wave, 'open'), hasattr(wave, 'create_app'))",
        ],
        cwd=tmp_path,
    )
    assert result.stdout.split() == ["True", "False"]


def test_under_gevent_the_app_picks_gevent_and_makes_psycopg2_cooperative(tmp_path):
    code = (
        "from gevent import monkey; monkey.patch_all()\n"
        "from wave import create_app\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.db',"
        " 'SECRET_KEY': 'x'})\n"
        "import psycopg2.extensions as ext\n"
        "mode = app.extensions['socketio'].server.eio.async_mode\n"
        "print(mode, ext.get_wait_callback() is not None)\n"
    )
    result = run([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["gevent", "True"]
