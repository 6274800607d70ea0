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
Only candidates are scored with rapidfuzz; no pair that could reach the cutoff is skipped while
the work budget lasts (exact duplicates are compared once; near-identical stems, whose pairs
grow with the square of their number, stop at the budget: issue 21 item 2).
"""

from __future__ import annotations

import heapq
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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


# Work units the near-duplicate search may spend (issue 21 item 2): a character read, an entry of
# the index scanned or a candidate scored (one per 64 × 64 characters: rapidfuzz's bit-parallel
# cost); ``settings.BANK_NEAR_DUPLICATE_BUDGET`` sets it for the checks.
DEFAULT_BUDGET = 10_000_000


@dataclass
class NearDuplicates:
    """``found`` pairs, of which ``pairs`` keeps the ``keep`` first by rows (all without
    ``keep``) so memory stays bounded; ``complete`` is False when the budget ran out before
    every candidate was scored."""

    keep: int | None = None
    found: int = 0
    complete: bool = True
    work: int = 0
    _heap: list[tuple[int, int, float]] = field(default_factory=list)

    def add(self, i: int, j: int, score: float) -> None:
        self.found += 1
        if self.keep is None or len(self._heap) < self.keep:
            heapq.heappush(self._heap, (-i, -j, score))
        elif (-i, -j) > self._heap[0][:2]:  # before the last kept pair: replaces it
            heapq.heapreplace(self._heap, (-i, -j, score))

    @property
    def pairs(self) -> list[tuple[int, int, float]]:
        return sorted((-i, -j, score) for i, j, score in self._heap)


class _Spent(Exception):
    pass


def near_duplicates(stems: Sequence[str], cutoff: float) -> list[tuple[int, int, float]]:
    """``find_near_duplicates`` without a budget: every pair."""
    return find_near_duplicates(stems, cutoff, budget=None).pairs


def find_near_duplicates(
    stems: Sequence[str],
    cutoff: float,
    budget: int | None = DEFAULT_BUDGET,
    keep: int | None = None,
) -> NearDuplicates:
    """(i, j, score) with i < j for distinct non-empty stems scoring ≥ cutoff (0 < cutoff ≤ 100),
    each stem by its first index: exact duplicates (reported as such) are compared once, so
    100,000 rows of 10 distinct stems cost 10 stems' work. Stops when ``budget`` work units
    are spent (``complete`` False): near-identical stems give quadratically many pairs.
    ``keep``: how many pairs to keep (the first by rows), the others only counted."""
    result = NearDuplicates(keep=keep)
    first: dict[str, int] = {}
    for index, stem in enumerate(stems):
        if stem:
            first.setdefault(stem, index)

    def spend(units: int) -> None:
        result.work += units
        if budget is not None and result.work > budget:
            raise _Spent

    try:
        spend(sum(map(len, first)))
        _search(stems, sorted(first.values(), key=lambda i: len(stems[i])), cutoff, result, spend)
    except _Spent:
        result.complete = False
    return result


def _search(
    stems: Sequence[str],
    order: list[int],
    cutoff: float,
    result: NearDuplicates,
    spend: Callable[[int], None],
) -> None:
    stretch = (200 - cutoff) / cutoff
    slack = (1 - cutoff / 100) * (1 + stretch)  # D = slack · length
    # How rare each bigram is, counted one stem at a time: only the counts stay in memory.
    counts = Counter(g for i in order for g in _bigrams(stems[i]))
    index: dict[str, list[int]] = defaultdict(list)
    short: list[int] = []
    for i in order:
        stem, most = stems[i], int(slack * len(stems[i]))
        shortest = len(stem) / stretch - 1e-9
        grams = _bigrams(stem)
        prefix = sorted(grams, key=lambda g: (counts[g], g))[: 2 * most + 1]
        candidates: set[int] = set()
        for g in prefix:
            bucket = index.get(g, ())
            spend(len(bucket))
            candidates.update(j for j in bucket if len(stems[j]) >= shortest)
        if len(grams) <= 2 * most:  # too few bigrams to be sure of a shared one
            spend(len(short))
            candidates.update(j for j in short if len(stems[j]) >= shortest)
            short.append(i)
        for j in candidates:
            spend(1 + len(stems[j]) * len(stem) // 4096)
            score = fuzz.ratio(stems[j], stem, score_cutoff=cutoff)
            if score:
                result.add(min(i, j), max(i, j), score)
        for g in prefix:
            index[g].append(i)


def _bigrams(text: str) -> set[str]:
    return {text[k : k + 2] for k in range(len(text) - 1)} if len(text) > 1 else {text}
