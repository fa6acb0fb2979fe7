"""The small base every stage stands on: errors, atomic files, data tables, quiet imports.

It imports nothing else from composer.
"""
