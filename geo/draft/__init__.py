"""From a news article to draft events: places, dates, figures, types and actors, each draft
quoting its sentences verbatim."""

from geo.draft.article import Article, Confidence, Draft, draft_article

__all__ = ["Article", "Confidence", "Draft", "draft_article"]
