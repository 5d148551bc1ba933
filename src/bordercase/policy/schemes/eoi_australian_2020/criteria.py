"""The Australian citizen or resident expression-of-interest category: an assessor decides every request."""

from bordercase.policy.eoi import category_criterion

assessor_review = category_criterion("Australian citizen or resident")
