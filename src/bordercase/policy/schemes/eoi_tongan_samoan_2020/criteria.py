"""The Tongan or Samoan citizen expression-of-interest category: an assessor decides every request."""

from bordercase.policy.eoi import category_criterion

assessor_review = category_criterion("Tongan or Samoan citizen")
