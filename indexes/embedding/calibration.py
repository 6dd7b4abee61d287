"""A model's cosine scale relative to the bundled model's, so thresholds travel.

Every threshold that reads a cosine or a margin between cosines was chosen with the
bundled e5 model (the coverage floor and full credit 0.85 / 0.93, the extraction margin
0.04, the wish margin 0.08). Another model puts the same relations at other cosines: a
model fine-tuned contrastively pushes unrelated labels apart, so 0.85 may already mean
"close" for it. A ``Calibration`` maps a value on the bundled scale onto the model's:
an affine map fixed by two anchors measured with both models on the same ontology
(``indexes.training.calibration``): the median cosine of unrelated skill pairs and the
median of related ones (a skill and its broader skill). Margins (differences of
scores) are mapped by their own measured ratio: the median margin of a skill's
alternative label over its preferred label, among other skills' labels, with each
model (issue 20's tuned model: cosines 5.37×, margins 4.81×). The margin anchor is
dense-only; the thresholds it maps read fused scores (10–30 % character n-grams, which
do not change with the model), so the map slightly overstates them. The two score
gaps that are not thresholds (the vacancy index's occupation margin and the suggest
prefix bonus) are margins too and mapped the same way. The bundled model's calibration
is the identity, so its behaviour does not change; a tuned model carries its own in its
manifest (``overstap train`` measures it), so switching models needs no hand-tuning.

Confidence bands and the story fit are not mapped here: they are calibrated per
snapshot from the snapshot's own vectors (``indexes.confidence``, z-scores in
``indexes.profiles``), so they already follow the model.
"""

from dataclasses import asdict, dataclass
from typing import Any


class CalibrationError(ValueError):
    """A stored calibration is malformed."""


@dataclass(frozen=True)
class Calibration:
    """Anchors of the model and of the bundled model (medians of cosines)."""

    unrelated: float = 0.0
    related: float = 1.0
    base_unrelated: float = 0.0
    base_related: float = 1.0
    label_margin: float = 1.0  # median margin of an alternative label over its preferred
    base_label_margin: float = 1.0
    pairs: int = 0  # how many pairs each anchor was measured on (0: the identity)

    @property
    def scale(self) -> float:
        """How much wider the model's gap between unrelated and related is."""
        return (self.related - self.unrelated) / (self.base_related - self.base_unrelated)

    def cosine(self, bundled: float) -> float:
        """A cosine on the bundled model's scale, on this model's (at most 1)."""
        return round(min(self.unrelated + (bundled - self.base_unrelated) * self.scale, 1.0), 4)

    @property
    def margin_scale(self) -> float:
        """How much larger the model's margins are than the bundled model's."""
        return self.label_margin / self.base_label_margin

    def margin(self, bundled: float) -> float:
        """A margin (a score minus the query's background) on the bundled scale, on
        this model's."""
        return round(bundled * self.margin_scale, 4)

    @property
    def is_identity(self) -> bool:
        return self.pairs == 0

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "scale": round(self.scale, 4),
            "margin_scale": round(self.margin_scale, 4),
        }

    @classmethod
    def from_json(cls, data: object) -> "Calibration":
        """From a manifest's ``calibration`` entry, checked: a broken entry must not
        silently become thresholds."""
        if not isinstance(data, dict):
            raise CalibrationError(f"calibration must be an object, not {type(data).__name__}")
        values: dict[str, float] = {}
        for key in ANCHORS:
            try:
                values[key] = float(data[key])
            except (KeyError, TypeError, ValueError) as exc:
                raise CalibrationError(f"calibration lacks or mistypes {key!r}") from exc
        try:
            pairs = int(data["pairs"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError("calibration lacks or mistypes 'pairs'") from exc
        calibration = cls(**values, pairs=pairs)
        if not (
            calibration.related > calibration.unrelated
            and calibration.base_related > calibration.base_unrelated
        ):
            raise CalibrationError(
                "calibration anchors are not ordered (related must lie above unrelated)"
            )
        if not (calibration.label_margin > 0 and calibration.base_label_margin > 0):
            raise CalibrationError("calibration label margins must be positive")
        if pairs < 1:
            raise CalibrationError("a stored calibration must count its pairs (at least 1)")
        return calibration


IDENTITY = Calibration()
ANCHORS = (
    "unrelated",
    "related",
    "base_unrelated",
    "base_related",
    "label_margin",
    "base_label_margin",
)
