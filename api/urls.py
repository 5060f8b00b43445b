from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api.problems import not_found
from api.views import docs, figures, resources, tokens

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("portfolios", resources.PortfolioViewSet, basename="portfolio")
router.register("holdings", resources.HoldingViewSet, basename="holding")
router.register("valuations", resources.ValuationViewSet, basename="valuation")
router.register("streams", resources.StreamViewSet, basename="stream")
router.register("entries", resources.EntryViewSet, basename="entry")
router.register("goals", resources.GoalViewSet, basename="goal")

v1 = [
    *router.urls,
    path("figures/", figures.figures, name="figures"),
    path("snapshots/", figures.snapshots, name="snapshots"),
    path("goal-progress/", figures.goal_progress, name="goal_progress"),
    path("projection/", figures.projection, name="projection"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
    # Last: any other address under v1/ is a problem too, not the site's HTML page.
    re_path(r"", not_found),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("tokens/new/", tokens.token_new, name="token_new"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
]
