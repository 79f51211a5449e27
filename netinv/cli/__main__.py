"""``python -m netinv.cli``: the same as the ``netinv`` console script."""

from netinv.cli import main

main()
