"""Placeholder sub-command; replaced by its owner module's implementation."""


def add_parser(sub):
    """Register the sub-command."""
    p = sub.add_parser("run", help="(not yet implemented)")
    p.set_defaults(func=lambda args: print("not yet implemented") or 1)
