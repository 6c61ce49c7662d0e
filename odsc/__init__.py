"""The application shell of odsc-journeys: the ``odsc`` command line, reports, the demo."""

__all__: list[str] = []
