"""`python -m trialogic`: the same command line as `trialogic`."""

from .cli import main

main()
