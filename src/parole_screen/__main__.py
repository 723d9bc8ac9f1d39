"""``python -m parole_screen`` runs the command line."""

from parole_screen.cli import main

main()
