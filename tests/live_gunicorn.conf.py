"""gunicorn settings of the test servers (tests/live_server.py): the repository's own
gunicorn.conf.py, plus migrating the scratch database and creating the users in the master."""
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
globals().update({name: value for name, value in runpy.run_path(str(HERE.parent / "gunicorn.conf.py")).items()
                  if not name.startswith("__")})
sys.path.insert(0, str(HERE))


def on_starting(server) -> None:
    from live_server import prepare_in_master

    prepare_in_master(server)
