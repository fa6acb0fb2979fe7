"""``python -m composer`` runs the command-line tool."""

from composer.cli import main

main()
