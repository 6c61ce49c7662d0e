"""``python -m odsc`` runs the command line."""

from odsc.cli import main

__all__: list[str] = []

if __name__ == "__main__":  # pragma: no cover
    main()
