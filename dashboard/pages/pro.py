"""The pro pages' routes (issue #13's "pro" lane): backtests and the model."""

from . import backtests, model

urlpatterns = [*backtests.urlpatterns, *model.urlpatterns]
