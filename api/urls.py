from django.urls import include, path
from rest_framework.routers import SimpleRouter

from api.views import figures, resources, tokens

app_name = "api"

router = SimpleRouter()
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
]

urlpatterns = [
    path("v1/", include(v1)),
    path("tokens/new/", tokens.token_new, name="token_new"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
]
