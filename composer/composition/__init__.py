"""Composing, pure computation: Brief → Plan → Harmony → Melody → Arrangement.

Each module is one stage and reads only the stages before it. Nothing here renders audio,
writes files or measures: ``composition`` never imports ``notation``, ``audio`` or ``measure``.
"""
