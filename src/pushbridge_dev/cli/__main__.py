import sys

from pushbridge_dev.cli import main

sys.exit(main())
