"""Hand-written runtime shared by every generated service package.

Nothing in here is public API except what :mod:`awsmith` re-exports.
"""
