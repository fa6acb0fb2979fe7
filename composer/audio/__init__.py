"""Sound: soundfonts, FluidSynth rendering, mastering and delivery of audio files.

Works from MIDI alone (composer's or anyone's); never imports ``composition`` or ``notation``.
"""
