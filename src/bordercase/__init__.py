"""bordercase: border-exception schemes run end to end."""

__version__ = "0.1.0"
