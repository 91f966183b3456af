"""Readers for benchmark file formats (format detected from content)."""

from .orlib import load_instance, read_cap, read_pmed, read_sjc, read_swain, sniff_format

__all__ = ["load_instance", "read_cap", "read_pmed", "read_sjc", "read_swain", "sniff_format"]
