"""explain(): each field shows its own level; fields without weight are left out."""

import numpy as np

from sync_worker.matching.compare import FIELD_INDEX, FIELDS, Comparison
from sync_worker.matching.results import evidence_for


def test_street_shows_no_name_similarity_and_zero_weights_are_omitted() -> None:
    levels = np.zeros((1, len(FIELDS)), dtype=np.int8)
    levels[0, FIELD_INDEX["street"]] = 2
    levels[0, FIELD_INDEX["country"]] = 2
    levels[0, FIELD_INDEX["person_name"]] = 3
    weights = np.ones((len(FIELDS), 5))
    weights[FIELD_INDEX["country"], 2] = 0.0
    comparison = Comparison(levels, np.asarray([0.46], dtype=np.float32))
    texts = [e.text for e in evidence_for(comparison, 0, weights)]
    assert "street close: +1.0" in texts
    assert "name close (0.46): +1.0" in texts
    assert not any(t.startswith("same country") for t in texts)
