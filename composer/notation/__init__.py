"""Writing the music down: the arrangement as a music21 Score, then MIDI and MusicXML.

Reads what ``composition`` made; never renders audio or measures.
"""
