#!/usr/bin/env python3
"""Django's usual entry point; `haven` (haven/cli.py) is the same with Haven's help."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
