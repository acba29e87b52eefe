from django.contrib import admin

from moderation.models import Flag, PublicFigure, ReviewAction, Term


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "user",
        "target",
        "kind",
        "category",
        "status",
        "counts_as_strike",
    ]
    list_filter = ["target", "kind", "category", "status"]
    search_fields = ["user__email", "text"]
    raw_id_fields = ["user", "generation", "image", "reporter", "reviewed_by"]


@admin.register(ReviewAction)
class ReviewActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "subject", "actor", "flag"]
    list_filter = ["action"]
    raw_id_fields = ["flag", "subject", "actor"]


class ModeratorEditable(admin.ModelAdmin):
    """Moderators (not only superusers) edit the lists; every save recompiles them (signals.py)."""

    def _can(self, request) -> bool:
        return bool(getattr(request.user, "can_moderate", False))

    def has_module_permission(self, request):
        return self._can(request)

    def has_view_permission(self, request, obj=None):
        return self._can(request)

    def has_change_permission(self, request, obj=None):
        return self._can(request)

    def has_add_permission(self, request):
        return self._can(request)

    def has_delete_permission(self, request, obj=None):
        return self._can(request)


@admin.register(Term)
class TermAdmin(ModeratorEditable):
    list_display = ["phrase", "category", "active", "ambiguous", "updated_at"]
    list_editable = ["active", "ambiguous"]
    list_filter = ["category", "active", "ambiguous"]
    fields = ["category", "phrase", "active", "ambiguous"]
    search_fields = ["phrase"]


@admin.register(PublicFigure)
class PublicFigureAdmin(ModeratorEditable):
    list_display = ["name", "kind", "country", "active"]
    list_filter = ["kind", "active", "country"]
    search_fields = ["name", "aliases"]
