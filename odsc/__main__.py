"""``python -m odsc`` runs the command line."""

from odsc.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
