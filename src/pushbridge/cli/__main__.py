import sys

from pushbridge.cli import main

sys.exit(main())
