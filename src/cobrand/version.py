"""cobrand's version: the one place it is written (pyproject.toml reads it from here when the package is built).

A constant, not the installed package's metadata: reading that imports importlib.metadata and the email
parser, which every build (the version names its cache keys) paid before anything else.
"""

__version__ = "0.1.0"
