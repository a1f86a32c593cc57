import sys

from dualad.cli.main import main

sys.exit(main())
