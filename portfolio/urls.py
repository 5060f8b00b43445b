from django.urls import path

from portfolio.views import (
    entries,
    holdings,
    portfolios,
    projection,
    rates,
    streams,
)

app_name = "portfolio"

urlpatterns = [
    # Portfolios
    path("portfolios/", portfolios.portfolio_list, name="portfolio_list"),
    path("portfolios/new/", portfolios.portfolio_create, name="portfolio_create"),
    path("portfolios/<int:pk>/rename/", portfolios.portfolio_rename, name="portfolio_rename"),
    path("portfolios/<int:pk>/delete/", portfolios.portfolio_delete, name="portfolio_delete"),
    path("portfolios/<int:pk>/sharing/", portfolios.portfolio_sharing, name="portfolio_sharing"),
    # Holdings and their valuation history
    path("portfolios/<int:pk>/holdings/", holdings.holding_list, name="holding_list"),
    path("portfolios/<int:pk>/holdings/new/", holdings.holding_create, name="holding_create"),
    path("holdings/<int:pk>/", holdings.holding_detail, name="holding_detail"),
    path("holdings/<int:pk>/edit/", holdings.holding_edit, name="holding_edit"),
    path("holdings/<int:pk>/delete/", holdings.holding_delete, name="holding_delete"),
    path("holdings/<int:pk>/valuations/", holdings.valuation_add, name="valuation_add"),
    path("valuations/<int:pk>/delete/", holdings.valuation_delete, name="valuation_delete"),
    # Streams
    path("portfolios/<int:pk>/streams/", streams.stream_list, name="stream_list"),
    path("portfolios/<int:pk>/streams/new/", streams.stream_create, name="stream_create"),
    path("streams/<int:pk>/edit/", streams.stream_edit, name="stream_edit"),
    path("streams/<int:pk>/delete/", streams.stream_delete, name="stream_delete"),
    path("streams/<int:pk>/confirm/", streams.stream_confirm, name="stream_confirm"),
    # Entries
    path("portfolios/<int:pk>/entries/", entries.entry_list, name="entry_list"),
    path("portfolios/<int:pk>/entries/new/", entries.entry_create, name="entry_create"),
    path("entries/<int:pk>/edit/", entries.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/delete/", entries.entry_delete, name="entry_delete"),
    # Projection (all portfolios, or ?portfolio=<id>)
    path("projection/", projection.projection, name="projection"),
    # The user's own exchange rates
    path("rates/", rates.manual_rates, name="manual_rates"),
    path("rates/<int:pk>/delete/", rates.manual_rate_delete, name="manual_rate_delete"),
]
