"""composer: original background music from a plain-language brief."""
