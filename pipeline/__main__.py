"""`python -m pipeline` is the `brief` command."""

from .cli import main

main()
