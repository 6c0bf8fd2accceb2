"""``python -m cdtext``."""

from cdtext.cli import main

main(prog_name="cdtext")
