"""Settings of one matching run. Per-source overrides of m and u go here too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MatchConfig:
    #: probability at or above which a pair is linked automatically
    link_threshold: float = 0.90
    #: probability at or above which a pair goes to a person for review
    review_threshold: float = 0.80
    #: weak blocking keys shared by more records than this are not used (strong keys always are)
    max_block: int = 60
    #: estimate u from random pairs and m by EM (False: use the defaults and overrides only)
    estimate: bool = True
    #: fewer candidate pairs than this: keep the default m (EM needs enough pairs)
    min_pairs_for_em: int = 2000
    #: random pairs compared to estimate u
    random_pairs: int = 50_000
    #: name similarity under which a shared strong identifier no longer links by itself
    name_contradiction: float = 0.60
    #: m and u set by hand, per field and level name: {"phone": {"same": 0.6}}
    m_overrides: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    u_overrides: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    #: bound of EM's match share: at most this many matches per incoming record on average
    max_matches_per_record: float = 1.0
    #: fields whose m EM leaves at the defaults (see scoring.train_m)
    fixed_m: frozenset[str] = frozenset({"name", "person_name"})
    #: two partners both linkable: review unless the best leads by this many bits (2**8 = 256x)
    ambiguity_margin: float = 8.0
    #: threads for rapidfuzz's pairwise similarity
    workers: int = 1
    seed: int = 0
