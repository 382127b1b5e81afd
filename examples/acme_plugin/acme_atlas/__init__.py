"""Example Atlas Hub plugin (see plugin.py)."""
