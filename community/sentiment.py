"""Per-text mood with the VADER lexicon model, computed at write time and stored."""
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

_analyzer = SentimentIntensityAnalyzer()

NEGATIVE_BELOW = -0.05
POSITIVE_ABOVE = 0.05


def score(text):
    """VADER compound score from -1 (very negative) to 1 (very positive)."""
    if not text or not text.strip():
        return 0.0
    return round(_analyzer.polarity_scores(text[:5000])["compound"], 4)


def label(value):
    if value <= NEGATIVE_BELOW:
        return "negative"
    if value >= POSITIVE_ABOVE:
        return "positive"
    return "neutral"
