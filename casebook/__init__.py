"""The Osaka CSW workbench: the domain, its store and its pipelines (no UI code here)."""

__version__ = "0.1.0"
