"""`python -m unionkpi` is the `unionkpi` command."""

from unionkpi.cli import main

main()
