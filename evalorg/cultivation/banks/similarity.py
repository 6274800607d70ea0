"""Stem normalisation, exact duplicates and near-duplicates (rapidfuzz), in near-linear work.

Near-duplicates score `fuzz.ratio` ≥ c (normalised Indel similarity: ratio ≥ c iff the Indel
distance d ≤ (1 − c/100)·(a + b) for lengths a, b). Comparing every pair is quadratic (10,000
stems: 50 million comparisons), so candidates are found first by two exact filters:
- length: a ≤ b can only reach c when b ≤ a·(200 − c)/c;
- shared bigrams (prefix filtering, as in the All-Pairs algorithm): one insertion or deletion
  destroys at most two character bigrams, so a pair within distance d shares at least
  |G| − 2d distinct bigrams, and with every bigram ranked by how rare it is, the 2·D + 1 rarest
  bigrams of each stem (D its largest possible distance to any partner) must have one in
  common. Each stem is indexed under those few rare bigrams only.
Only candidates are scored with rapidfuzz; no pair that could reach the cutoff is skipped.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz

_DROPPED = ("P", "S", "Z", "C")  # punctuation, symbols, separators (spaces), control


def normalise_stem(stem: str) -> str:
    """Width-folded (NFKC), case-folded, without whitespace, punctuation or symbols."""
    text = unicodedata.normalize("NFKC", stem).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in _DROPPED)


def exact_duplicates(stems: Sequence[str]) -> list[tuple[int, int]]:
    """(first index, later index) for each stem equal to an earlier one; empty stems ignored."""
    seen: dict[str, int] = {}
    pairs: list[tuple[int, int]] = []
    for index, stem in enumerate(stems):
        if stem:
            first = seen.setdefault(stem, index)
            if first != index:
                pairs.append((first, index))
    return pairs


def near_duplicates(stems: Sequence[str], cutoff: float) -> list[tuple[int, int, float]]:
    """(i, j, score) with i < j for distinct non-empty stems scoring ≥ cutoff (0 < cutoff ≤ 100)."""
    order = sorted((i for i, s in enumerate(stems) if s), key=lambda i: len(stems[i]))
    stretch = (200 - cutoff) / cutoff
    slack = (1 - cutoff / 100) * (1 + stretch)  # D = slack · length
    grams = {i: _bigrams(stems[i]) for i in order}
    rank = _rarity_rank(grams.values())
    index: dict[str, list[int]] = defaultdict(list)
    short: list[int] = []
    pairs: list[tuple[int, int, float]] = []
    for i in order:
        stem, most = stems[i], int(slack * len(stems[i]))
        shortest = len(stem) / stretch - 1e-9
        prefix = sorted(grams[i], key=rank.__getitem__)[: 2 * most + 1]
        candidates = {j for g in prefix for j in index[g] if len(stems[j]) >= shortest}
        if len(grams[i]) <= 2 * most:  # too few bigrams to be sure of a shared one
            candidates.update(j for j in short if len(stems[j]) >= shortest)
            short.append(i)
        for j in candidates:
            score = fuzz.ratio(stems[j], stem, score_cutoff=cutoff)
            if score and stems[j] != stem:
                pairs.append((min(i, j), max(i, j), score))
        for g in prefix:
            index[g].append(i)
    return sorted(pairs)


def _bigrams(text: str) -> set[str]:
    return {text[k : k + 2] for k in range(len(text) - 1)} if len(text) > 1 else {text}


def _rarity_rank(gram_sets: Iterable[set[str]]) -> dict[str, tuple[int, str]]:
    counts = Counter(g for grams in gram_sets for g in grams)
    return {g: (n, g) for g, n in counts.items()}
