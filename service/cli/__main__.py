"""``python -m service.cli``: the same commands as the ``overstap`` script."""

from service.cli.commands import app

if __name__ == "__main__":
    app()
