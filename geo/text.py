"""Text normalisation shared by search (filters, store) and place-name lookup (gazetteer)."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"['’ʼ`´ʹ]")
_SEPARATORS = re.compile(r"[-‐‑–—_.,]")


def fold(text: str) -> str:
    """No case, accents, apostrophes or hyphens; single spaces.

    So 'Zélenskiy' matches 'zelenskiy', 'Khar’kov' matches 'Kharkov' and 'Київ' matches 'київ'.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_SEPARATORS.sub(" ", _APOSTROPHES.sub("", stripped)).split())
