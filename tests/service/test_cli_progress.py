"""Long CLI work says how far it is when its output is not a terminal (issue 21): a
line when a stage starts, one every few seconds while it runs, one when it ends; on a
terminal the bar is drawn instead and no such lines are printed."""

import io

from rich.console import Console

from service.cli.progress_bar import RichProgress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    clock = Clock()
    with RichProgress(Console(file=out, force_terminal=False), interval=5, clock=clock) as bar:
        bar.stage("skills: embedding labels", 400)
        bar.advance(100)  # under 5 s since the last line: nothing
        clock.now += 6
        bar.advance(100)
        bar.describe("skills: embedding labels (loss 0.5)")
        clock.now += 2
        bar.advance(100)  # 2 s since the last line: nothing
        clock.now += 4
        bar.stage("occupations: embedding labels", None)
        bar.advance(7)
    assert out.getvalue().splitlines() == [
        "skills: embedding labels: started 0/400 (0%), 0 s",
        "skills: embedding labels: at 200/400 (50%), 6 s, 33/s",
        "skills: embedding labels (loss 0.5): done 400/400 (100%), 12 s, 33/s",
        "occupations: embedding labels: started, 0 s",
        "occupations: embedding labels: done 7, 0 s",
    ]


def test_no_plain_lines_on_a_terminal() -> None:
    out = io.StringIO()
    clock = Clock()
    console = Console(file=out, force_terminal=True, width=80)
    with RichProgress(console, interval=5, clock=clock) as bar:
        bar.stage("skills: embedding labels", 10)
        clock.now += 60
        bar.advance(10)
    assert "started" not in out.getvalue() and "done" not in out.getvalue()
    assert "10/10" in out.getvalue()  # the bar, completed
    assert "/s" in out.getvalue()  # and its rate
