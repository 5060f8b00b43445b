"""Admin for goals and milestones."""

from __future__ import annotations

from django.contrib import admin

from goals.models import Goal, Milestone


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["owner", "year", "metric", "portfolio", "baseline", "target", "closed_at"]
    list_filter = ["year", "metric"]
    search_fields = ["owner__email"]
    list_select_related = ["owner", "portfolio"]
    raw_id_fields = ["owner", "portfolio"]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "key", "value", "occurred_on", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "goal"]
