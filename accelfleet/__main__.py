"""Lets ``python -m accelfleet`` behave exactly like the ``accelfleet`` console script."""

from accelfleet.cli.main import main

raise SystemExit(main())
