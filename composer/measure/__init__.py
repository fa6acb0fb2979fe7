"""Measuring files a person hands over — MIDI or audio, composer's or anyone's — and drawing them.

Reads files only: never imports ``composition`` or ``notation``.
"""
