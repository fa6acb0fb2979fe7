"""How composer reads the text of a MIDI file (title, track and marker names): UTF-8, as it
writes them, else Latin-1, the Standard MIDI File's old default. Rendering and measuring read
any file this one way, so a title written as UTF-8 reads back as written everywhere.
"""

from __future__ import annotations

import io

import mido


def decoded_midi(data: bytes) -> mido.MidiFile:
    """The MIDI file in ``data``, its text read as UTF-8 where it is UTF-8, else as Latin-1.

    >>> midi = mido.MidiFile(charset="utf-8")
    >>> midi.tracks.append(mido.MidiTrack([mido.MetaMessage("track_name", name="café — 🎵")]))
    >>> buffer = io.BytesIO()
    >>> midi.save(file=buffer)
    >>> decoded_midi(buffer.getvalue()).tracks[0].name
    'café — 🎵'
    """
    try:
        return mido.MidiFile(file=io.BytesIO(data), charset="utf-8")
    except UnicodeDecodeError:
        return mido.MidiFile(file=io.BytesIO(data), charset="latin1")
