# Thin shim for tools that still call setup.py; the real metadata lives in pyproject.toml (flit).
from setuptools import setup

setup()
